package ode

import (
	"math"
	"testing"

	"github.com/hhnet/hhnet/internal/testenv"
)

// decay is y′ = −k·y (a = 0, b = k), exact solution y₀·e^{−k t}.
type decay struct{ k float64 }

func (d decay) Dim() int { return 1 }
func (d decay) Derivs(dst []float64, _ float64, y []float64) {
	dst[0] = -d.k * y[0]
}
func (d decay) Gates(a, b []float64, _ float64, _ []float64) { a[0], b[0] = 0, d.k }

// forced is y′ = cos(t) − y, a non-autonomous linear system whose exact
// solution from y(0) = 0 is (sin t + cos t − e^{−t})/2.
type forced struct{}

func (forced) Dim() int { return 1 }
func (forced) Derivs(dst []float64, t float64, y []float64) {
	dst[0] = math.Cos(t) - y[0]
}

func solveForced(st Stepper, dt float64) float64 {
	y := []float64{0}
	n := int(math.Round(2 / dt))
	for i := range n {
		st.Step(forced{}, float64(i)*dt, dt, y)
	}
	return y[0]
}

func TestConvergenceOrder(t *testing.T) {
	exact := (math.Sin(2) + math.Cos(2) - math.Exp(-2)) / 2
	for _, tc := range []struct {
		name  string
		order float64
	}{{"euler", 1}, {"rk4", 4}} {
		st, err := Parse(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		e1 := math.Abs(solveForced(st, 0.02) - exact)
		e2 := math.Abs(solveForced(st, 0.01) - exact)
		got := math.Log2(e1 / e2)
		// Halving dt divides the global error by 2^order; ±0.15 allows
		// for the higher-order terms at these step sizes.
		if math.Abs(got-tc.order) > 0.15 {
			t.Errorf("%s: observed order %.3f (errors %.3g, %.3g), want %v", tc.name, got, e1, e2, tc.order)
		}
	}
}

func TestRushLarsenExactForLinearDecay(t *testing.T) {
	y := []float64{1}
	var rl RushLarsen
	for i := range 100 {
		rl.Step(decay{k: 3}, float64(i)*0.1, 0.1, y)
	}
	want := math.Exp(-30)
	// Exact per step; 100 steps of a few ulp each leave well under 1e-12.
	if math.Abs(y[0]-want) > 1e-12*want {
		t.Errorf("Rush–Larsen y(10) = %g, want e^{-30} = %g", y[0], want)
	}
}

func TestParse(t *testing.T) {
	for _, name := range Names() {
		if _, err := Parse(name); err != nil {
			t.Errorf("Parse(%q): %v", name, err)
		}
	}
	if _, err := Parse("heun"); err == nil {
		t.Error("Parse(heun): want an error")
	}
}

func TestStepPanicsOnWrongLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Step with len(y) != Dim: want a panic")
		}
	}()
	(&Euler{}).Step(decay{1}, 0, 0.1, []float64{1, 2})
}

func TestRushLarsenNeedsLinearized(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Rush–Larsen on a plain System: want a panic")
		}
	}()
	(&RushLarsen{}).Step(forced{}, 0, 0.1, []float64{0})
}

func TestStepsAllocateNothingOnceWarm(t *testing.T) {
	if testenv.Race {
		t.Skip("the race detector allocates; allocation counts are checked without it")
	}
	y := []float64{1}
	for _, st := range []Stepper{&Euler{}, &RK4{}, &RushLarsen{}} {
		st.Step(decay{1}, 0, 0.01, y)
		if a := testing.AllocsPerRun(100, func() { st.Step(decay{1}, 0, 0.01, y) }); a != 0 {
			t.Errorf("%T: %v allocations per step", st, a)
		}
	}
}
