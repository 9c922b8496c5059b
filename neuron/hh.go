package neuron

import (
	"fmt"
	"math"
)

// Convention selects the voltage origin of the HH rate functions (docs/model.md §1).
type Convention uint8

const (
	// Shifted puts rest at ≈ 0 mV (E_Na = 115 mV), as in Hodgkin and Huxley's paper.
	Shifted Convention = iota
	// Absolute puts rest at ≈ −65 mV (E_Na = 50 mV).
	Absolute
)

// String returns "shifted" or "absolute".
func (c Convention) String() string {
	switch c {
	case Shifted:
		return "shifted"
	case Absolute:
		return "absolute"
	}
	return fmt.Sprintf("Convention(%d)", uint8(c))
}

// HHParams are the membrane constants of an HH neuron.
// Units: C in µF/cm², conductances in mS/cm², reversal potentials in mV.
type HHParams struct {
	C           float64
	GNa, GK, GL float64
	ENa, EK, EL float64
	Convention  Convention
}

// HHShifted returns the paper's simulation parameters in the shifted
// convention: C = 1, ḡ = 120/36/0.3, E = 115/−12/10.613.
func HHShifted() HHParams {
	return HHParams{C: 1, GNa: 120, GK: 36, GL: 0.3, ENa: 115, EK: -12, EL: 10.613, Convention: Shifted}
}

// HHAbsolute returns the paper's parameters in the absolute convention:
// C = 1, ḡ = 120/36/0.3, E = 50/−77/−54.387.
func HHAbsolute() HHParams {
	return HHParams{C: 1, GNa: 120, GK: 36, GL: 0.3, ENa: 50, EK: -77, EL: -54.387, Convention: Absolute}
}

// Offsets added to v inside the rate functions. Writing V+55 rather than
// (V+65)−10 keeps the arithmetic of the published code, so the exact kernel
// reproduces its numerics bit for bit where the formulas agree.
type rateOffsets struct {
	an, am, rest, bh float64
}

func (c Convention) offsets() rateOffsets {
	if c == Absolute {
		return rateOffsets{an: 55, am: 40, rest: 65, bh: 35}
	}
	return rateOffsets{an: -10, am: -25, rest: 0, bh: -30}
}

// linRate returns scale·x / (1 − e^{−x/10}), the form of α_n and α_m, as the
// published code writes it. Within 1e-6 mV of the removable 0/0 point, where
// 1 − e^{−x/10} loses its digits, it sums the series
// 10·scale·(1 + x/20 + x²/1200) instead (truncation error below 1e-26),
// so x = 0 gives the limit 10·scale and no finite x gives NaN.
func linRate(scale, x float64) float64 {
	if x < 1e-6 && x > -1e-6 {
		return 10 * scale * (1 + x/20 + x*x/1200)
	}
	return scale * x / (1 - math.Exp(-x/10))
}

// Rates returns α and β (1/ms) for the gates m, n and h at membrane voltage
// v (mV). α_n and α_m return their limits (0.1 and 1.0 per ms) at their
// removable 0/0 points; no finite v gives NaN.
func (p *HHParams) Rates(v float64) (am, bm, an, bn, ah, bh float64) {
	o := p.Convention.offsets()
	an = linRate(0.01, v+o.an)
	am = linRate(0.1, v+o.am)
	r := v + o.rest
	ah = 0.07 * math.Exp(-r/20)
	bn = 0.125 * math.Exp(-r/80)
	bm = 4 * math.Exp(-r/18)
	bh = 1 / (1 + math.Exp(-(v+o.bh)/10))
	return
}

// SteadyState returns the gate values m∞, n∞, h∞ = α/(α+β) at voltage v.
func (p *HHParams) SteadyState(v float64) (m, n, h float64) {
	am, bm, an, bn, ah, bh := p.Rates(v)
	return am / (am + bm), an / (an + bn), ah / (ah + bh)
}

// ionic returns the membrane current I_Na + I_K + I_L (µA/cm²) at state (v, m, n, h).
func (p *HHParams) ionic(v, m, n, h float64) float64 {
	return p.GNa*m*m*m*h*(v-p.ENa) + p.GK*n*n*n*n*(v-p.EK) + p.GL*(v-p.EL)
}

// Rest returns the resting potential of the convention's parameters,
// found by bisection of the steady-state current, and the gates there.
func (p *HHParams) Rest() (v, m, n, h float64) {
	current := func(v float64) float64 {
		m, n, h := p.SteadyState(v)
		return p.ionic(v, m, n, h)
	}
	lo, hi := p.EK, p.EK+40 // the ionic current changes sign once in here
	for i := 0; i < 200 && hi-lo > 1e-13; i++ {
		mid := (lo + hi) / 2
		if current(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	v = (lo + hi) / 2
	m, n, h = p.SteadyState(v)
	return v, m, n, h
}

// HH is a population of Hodgkin–Huxley neurons:
//
//	C dV/dt = I_ext − ḡ_Na m³h (V − E_Na) − ḡ_K n⁴ (V − E_K) − ḡ_L (V − E_L)
//	dx/dt   = α_x(V)(1 − x) − β_x(V) x,   x ∈ {m, n, h}
//
// Y holds the state V|M|N|H back to back (length 4n); V, M, N and H are views
// into it, so an ode.Stepper can advance Y while callers read the views.
// IExt is the external current (µA/cm²), set by the caller before each step
// and held constant over it. There is no reset: the dynamics make the spike.
type HH struct {
	Params HHParams
	// ExpVoltage makes Gates report V as linear too, V' = a − b·V with
	// b = g/C and a = (g_Na·E_Na + g_K·E_K + g_L·E_L + I)/C at the old gates,
	// so that Rush–Larsen takes an exponential Euler step in V as well
	// (the method of package nn's HHv layer).
	ExpVoltage bool
	Y          []float64
	V, M, N, H []float64
	IExt       []float64
}

// NewHH returns n neurons at the resting state of p, with zero input.
func NewHH(p HHParams, n int) *HH {
	if n < 0 {
		panic("neuron: negative population size")
	}
	y := make([]float64, 4*n)
	h := &HH{Params: p, Y: y, V: y[:n:n], M: y[n : 2*n : 2*n], N: y[2*n : 3*n : 3*n], H: y[3*n:], IExt: make([]float64, n)}
	v, m, nn, hh := p.Rest()
	h.SetState(v, m, nn, hh)
	return h
}

// Len returns the number of neurons.
func (h *HH) Len() int { return len(h.V) }

// SetState puts every neuron in the state (v, m, n, h).
func (h *HH) SetState(v, m, n, hg float64) {
	for i := range h.V {
		h.V[i], h.M[i], h.N[i], h.H[i] = v, m, n, hg
	}
}

// Dim returns 4n, the length of Y (ode.System).
func (h *HH) Dim() int { return len(h.Y) }

// Derivs writes dY/dt at state y into dst (ode.System). The input IExt is
// held constant over the step; t is unused.
func (h *HH) Derivs(dst []float64, t float64, y []float64) {
	n := h.Len()
	p := &h.Params
	v, m, nn, hg := y[:n], y[n:2*n], y[2*n:3*n], y[3*n:4*n]
	dv, dm, dn, dh := dst[:n], dst[n:2*n], dst[2*n:3*n], dst[3*n:4*n]
	for i := range v {
		am, bm, an, bn, ah, bh := p.Rates(v[i])
		ion := p.ionic(v[i], m[i], nn[i], hg[i])
		dv[i] = (-ion + h.IExt[i]) / p.C
		dm[i] = am*(1-m[i]) - bm*m[i]
		dn[i] = an*(1-nn[i]) - bn*nn[i]
		dh[i] = ah*(1-hg[i]) - bh*hg[i]
	}
}

// Gates writes y′ = a − b·y for every component (ode.Linearized): for the
// gates a = α and b = α + β; the voltage is reported with b = 0, a = dV/dt,
// so Rush–Larsen takes an Euler step in V.
func (h *HH) Gates(a, b []float64, t float64, y []float64) {
	n := h.Len()
	p := &h.Params
	v, m, nn, hg := y[:n], y[n:2*n], y[2*n:3*n], y[3*n:4*n]
	for i := range v {
		am, bm, an, bn, ah, bh := p.Rates(v[i])
		ion := p.ionic(v[i], m[i], nn[i], hg[i])
		a[i], b[i] = (-ion+h.IExt[i])/p.C, 0
		if h.ExpVoltage {
			gNa, gK := p.GNa*m[i]*m[i]*m[i]*hg[i], p.GK*nn[i]*nn[i]*nn[i]*nn[i]
			a[i] = (gNa*p.ENa + gK*p.EK + p.GL*p.EL + h.IExt[i]) / p.C
			b[i] = (gNa + gK + p.GL) / p.C
		}
		a[n+i], b[n+i] = am, am+bm
		a[2*n+i], b[2*n+i] = an, an+bn
		a[3*n+i], b[3*n+i] = ah, ah+bh
	}
}

// Conductances writes g_Na = ḡ_Na m³h and g_K = ḡ_K n⁴ of the current state
// (mS/cm²) into gNa and gK; g_L is the constant Params.GL. Call it before a
// step to get the old-state conductances that TVLIF2HH.StepWith consumes.
func (h *HH) Conductances(gNa, gK []float64) {
	if len(gNa) != h.Len() || len(gK) != h.Len() {
		panic("neuron: Conductances: slice lengths differ from the population")
	}
	p := &h.Params
	for i := range h.V {
		m := h.M[i]
		n2 := h.N[i] * h.N[i]
		gNa[i] = p.GNa * m * m * m * h.H[i]
		gK[i] = p.GK * n2 * n2
	}
}

// StepEuler advances every neuron by one forward Euler step of dt ms in the
// paper's order: all derivatives at the old state, then
// V ← V + dt·(−I_ion + I_ext)/C and x ← x + dt·(α_x(1−x) − β_x x).
// This is the exact kernel that reproduces the published numerics.
func (h *HH) StepEuler(dt float64) { h.StepEulerRange(dt, 0, h.Len()) }

// StepEulerRange is StepEuler for neurons lo ≤ i < hi only, so that
// disjoint ranges can be stepped concurrently.
func (h *HH) StepEulerRange(dt float64, lo, hi int) {
	p := &h.Params
	V, M, N, H, I := h.V[lo:hi], h.M[lo:hi], h.N[lo:hi], h.H[lo:hi], h.IExt[lo:hi]
	for i, v := range V {
		m, n, hg := M[i], N[i], H[i]
		am, bm, an, bn, ah, bh := p.Rates(v)
		ion := p.ionic(v, m, n, hg)
		V[i] = v + dt*(-ion+I[i])/p.C
		M[i] = m + dt*(am*(1-m)-bm*m)
		N[i] = n + dt*(an*(1-n)-bn*n)
		H[i] = hg + dt*(ah*(1-hg)-bh*hg)
	}
}
