package ode

import (
	"fmt"
	"math"
)

// System is y′ = f(t, y). Derivs writes f(t, y) into dst; it must not modify y.
type System interface {
	Dim() int
	Derivs(dst []float64, t float64, y []float64)
}

// Linearized systems also give y′ = a − b·y component-wise. Components that
// are not of that form report b = 0 and a = f(t, y), so Rush–Larsen treats
// them with a forward Euler step.
type Linearized interface {
	System
	Gates(a, b []float64, t float64, y []float64)
}

// Stepper advances y in place from t to t+dt. Step panics if len(y) != sys.Dim().
type Stepper interface {
	Step(sys System, t, dt float64, y []float64)
}

// Names returns the stepper names that Parse accepts, in a fixed order.
func Names() []string { return []string{"euler", "rk4", "rush-larsen"} }

// Parse returns a new stepper by name: "euler", "rk4" or "rush-larsen".
func Parse(name string) (Stepper, error) {
	switch name {
	case "euler":
		return &Euler{}, nil
	case "rk4":
		return &RK4{}, nil
	case "rush-larsen":
		return &RushLarsen{}, nil
	}
	return nil, fmt.Errorf("unknown integration method %q (want euler, rk4 or rush-larsen)", name)
}

func checkDim(sys System, y []float64) {
	if len(y) != sys.Dim() {
		panic(fmt.Sprintf("ode: len(y) = %d, system dimension %d", len(y), sys.Dim()))
	}
}

// grow returns buf resized to n, reusing its storage when it is large enough.
func grow(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	return buf[:n]
}

// Euler is the forward Euler method: y ← y + dt·f(t, y). First order.
type Euler struct{ k []float64 }

// Step implements Stepper.
func (e *Euler) Step(sys System, t, dt float64, y []float64) {
	checkDim(sys, y)
	e.k = grow(e.k, len(y))
	sys.Derivs(e.k, t, y)
	for i, k := range e.k {
		y[i] += dt * k
	}
}

// RK4 is the classical fourth-order Runge–Kutta method.
type RK4 struct{ k1, k2, k3, k4, tmp []float64 }

// Step implements Stepper.
func (r *RK4) Step(sys System, t, dt float64, y []float64) {
	checkDim(sys, y)
	n := len(y)
	r.k1, r.k2, r.k3, r.k4 = grow(r.k1, n), grow(r.k2, n), grow(r.k3, n), grow(r.k4, n)
	r.tmp = grow(r.tmp, n)
	half := dt / 2
	sys.Derivs(r.k1, t, y)
	for i := range y {
		r.tmp[i] = y[i] + half*r.k1[i]
	}
	sys.Derivs(r.k2, t+half, r.tmp)
	for i := range y {
		r.tmp[i] = y[i] + half*r.k2[i]
	}
	sys.Derivs(r.k3, t+half, r.tmp)
	for i := range y {
		r.tmp[i] = y[i] + dt*r.k3[i]
	}
	sys.Derivs(r.k4, t+dt, r.tmp)
	for i := range y {
		y[i] += dt / 6 * (r.k1[i] + 2*r.k2[i] + 2*r.k3[i] + r.k4[i])
	}
}

// RushLarsen integrates each linear component exactly over the step with its
// coefficients frozen at the old state: x ← x∞ + (x − x∞)·e^{−b·dt}, x∞ = a/b.
// Components with b = 0 take a forward Euler step. First order overall, but
// unconditionally stable in the gates, which allows larger dt for HH neurons.
// The system must implement Linearized, else Step panics.
type RushLarsen struct{ a, b []float64 }

// Step implements Stepper.
func (r *RushLarsen) Step(sys System, t, dt float64, y []float64) {
	checkDim(sys, y)
	lin, ok := sys.(Linearized)
	if !ok {
		panic("ode: Rush–Larsen needs a Linearized system")
	}
	n := len(y)
	r.a, r.b = grow(r.a, n), grow(r.b, n)
	lin.Gates(r.a, r.b, t, y)
	for i := range y {
		b := r.b[i]
		if b == 0 {
			y[i] += dt * r.a[i]
			continue
		}
		inf := r.a[i] / b
		y[i] = inf + (y[i]-inf)*math.Exp(-b*dt)
	}
}
