package neuron

import "fmt"

// Construction selects how TVLIF2HH discretises the four-LIF construction
// of an HH neuron (docs/model.md §2).
type Construction uint8

const (
	// Paper is the discretisation of the study's code: the fourth LIF takes
	// the new accumulator sum F(u) and the old membranes, and the output
	// F(u) + u₄(u−1) after u updates approximates the HH voltage after u−1
	// steps (to ≈ 0.1 mV). Its output lags by one step (Lag() == 1).
	Paper Construction = iota
	// Exact updates the fourth LIF from the old F and old membranes, so the
	// output F + u₄ after u updates equals the HH Euler voltage after u steps
	// to rounding error.
	Exact
)

// String returns "paper" or "exact".
func (v Construction) String() string {
	switch v {
	case Paper:
		return "paper"
	case Exact:
		return "exact"
	}
	return fmt.Sprintf("Construction(%d)", uint8(v))
}

// ParseConstruction maps "paper" and "exact" to their Construction.
func ParseConstruction(s string) (Construction, error) {
	switch s {
	case "paper":
		return Paper, nil
	case "exact":
		return Exact, nil
	}
	return 0, fmt.Errorf("unknown tv-LIF2HH construction %q (want paper or exact)", s)
}

// TVLIF2HH is a population of tv-LIF2HH neurons: four LIF neurons with
// time-varying parameters that together are one HH neuron (docs/model.md §2).
// For input current I and conductances g_Na, g_K, g_L (g_s their sum):
//
//   - three input LIFs u_k (k = Na, K, L) with U_rest = E_k, capacitance C
//     and input I/g_s;
//   - accumulators f_k += g_k·Δu_k, F = f_Na + f_K + f_L;
//   - a fourth LIF u₄ with U_rest = 0, capacitance C/g_s and input
//     −F + Σ_k g_k u_k / g_s;
//   - output (membrane voltage) V = F + u₄.
//
// In continuous time dV/dt = (I − Σ_k g_k (V − E_k))/C: the HH membrane
// equation. Each LIF is stepped with forward Euler (lifStep).
//
// The conductances come either from an HH population running alongside
// (StepWith, the paired form) or from gating variables M, N, H that the
// neuron integrates itself with forward Euler from its own voltage (Step,
// the standalone form).
type TVLIF2HH struct {
	Params       HHParams // E_k are the resting potentials, ḡ the maximal conductances
	Construction Construction

	UNa, UK, UL []float64 // input LIF membranes, mV
	FNa, FK, FL []float64 // accumulators g_k·Δu_k, mV
	U4          []float64 // fourth LIF membrane, mV
	Out         []float64 // output F + u₄ compared with a threshold (see Construction for its time)
	M, N, H     []float64 // gating variables, used by the standalone form
	IExt        []float64 // input current µA/cm², set by the caller before each step

	gNa, gK []float64 // scratch for the standalone form
}

// NewTVLIF2HH returns n neurons with u_k = f_k = 0, u₄ = Out = v0 and the
// gates at their steady state for v0.
func NewTVLIF2HH(p HHParams, c Construction, n int, v0 float64) *TVLIF2HH {
	mk := func() []float64 { return make([]float64, n) }
	t := &TVLIF2HH{Params: p, Construction: c,
		UNa: mk(), UK: mk(), UL: mk(), FNa: mk(), FK: mk(), FL: mk(), U4: mk(), Out: mk(),
		M: mk(), N: mk(), H: mk(), IExt: mk(), gNa: mk(), gK: mk()}
	m, nn, h := p.SteadyState(v0)
	t.Reset(v0, m, nn, h)
	return t
}

// Len returns the number of neurons.
func (t *TVLIF2HH) Len() int { return len(t.Out) }

// Lag returns how many steps the output trails the HH voltage it
// approximates: 1 for Paper (report update u at (u−1)·dt), 0 for Exact.
func (t *TVLIF2HH) Lag() int {
	if t.Construction == Paper {
		return 1
	}
	return 0
}

// Reset puts every neuron in the paper's initial state: u_k = 0, f_k = 0,
// u₄ = Out = v0, and gates (m, n, h) for the standalone form.
func (t *TVLIF2HH) Reset(v0, m, n, h float64) {
	for i := range t.Out {
		t.UNa[i], t.UK[i], t.UL[i] = 0, 0, 0
		t.FNa[i], t.FK[i], t.FL[i] = 0, 0, 0
		t.U4[i], t.Out[i] = v0, v0
		t.M[i], t.N[i], t.H[i] = m, n, h
	}
}

// StepWith advances every neuron by dt ms with conductances g_Na, g_K taken
// from outside (g_L is Params.GL) — the paired form, where an HH population's
// old-state Conductances drive the construction.
func (t *TVLIF2HH) StepWith(dt float64, gNa, gK []float64) {
	if len(gNa) != t.Len() || len(gK) != t.Len() {
		panic("neuron: TVLIF2HH.StepWith: conductance lengths differ from the population")
	}
	t.StepWithRange(dt, 0, t.Len(), gNa, gK)
}

// StepWithRange is StepWith for neurons lo ≤ i < hi only, so that disjoint
// ranges can be stepped concurrently; gNa and gK cover the whole population.
func (t *TVLIF2HH) StepWithRange(dt float64, lo, hi int, gNa, gK []float64) {
	p := &t.Params
	c := p.C
	for i := lo; i < hi; i++ {
		gna, gk, gl := gNa[i], gK[i], p.GL
		gs := gna + gk + gl
		in := t.IExt[i] / gs
		una, uk, ul := t.UNa[i], t.UK[i], t.UL[i]
		nna := lifStep(una, p.ENa, c, in, dt)
		nk := lifStep(uk, p.EK, c, in, dt)
		nl := lifStep(ul, p.EL, c, in, dt)
		fOld := t.FNa[i] + t.FK[i] + t.FL[i]
		t.FNa[i] += gna * (nna - una)
		t.FK[i] += gk * (nk - uk)
		t.FL[i] += gl * (nl - ul)
		fNew := t.FNa[i] + t.FK[i] + t.FL[i]
		mix := (gna*una + gk*uk + gl*ul) / gs // old membranes in both constructions
		u4 := t.U4[i]
		if t.Construction == Paper {
			// New F, old u₄ in the output: the study's update order.
			t.U4[i] = lifStep(u4, 0, c/gs, -fNew+mix, dt)
			t.Out[i] = fNew + u4
		} else {
			t.U4[i] = lifStep(u4, 0, c/gs, -fOld+mix, dt)
			t.Out[i] = fNew + t.U4[i]
		}
		t.UNa[i], t.UK[i], t.UL[i] = nna, nk, nl
	}
}

// Step advances every neuron by dt ms in the standalone form: conductances
// come from the neuron's own gates M, N, H, which advance by forward Euler
// with rates at the neuron's own voltage. Exact evaluates the rates at the
// output before the update (V after u−1 steps), as HH Euler does; Paper at
// the output after it, which is the voltage its output approximates.
func (t *TVLIF2HH) Step(dt float64) {
	p := &t.Params
	for i := range t.Out {
		m, n2 := t.M[i], t.N[i]*t.N[i]
		t.gNa[i] = p.GNa * m * m * m * t.H[i]
		t.gK[i] = p.GK * n2 * n2
	}
	if t.Construction == Exact {
		t.advanceGates(dt) // reads Out before StepWith overwrites it
		t.StepWith(dt, t.gNa, t.gK)
		return
	}
	t.StepWith(dt, t.gNa, t.gK)
	t.advanceGates(dt)
}

func (t *TVLIF2HH) advanceGates(dt float64) {
	p := &t.Params
	for i, v := range t.Out {
		am, bm, an, bn, ah, bh := p.Rates(v)
		m, n, h := t.M[i], t.N[i], t.H[i]
		t.M[i] = m + dt*(am*(1-m)-bm*m)
		t.N[i] = n + dt*(an*(1-n)-bn*n)
		t.H[i] = h + dt*(ah*(1-h)-bh*h)
	}
}
