package neuron

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/ode"
)

func TestRatesClosedForms(t *testing.T) {
	e := math.E
	// Closed forms at the shifted rest V = 0 (docs/model.md §1 table).
	want := [6]float64{
		2.5 / (math.Exp(2.5) - 1), // α_m = 0.1(−25)/(1 − e^{2.5})
		4,                         // β_m
		0.1 / (e - 1),             // α_n = 0.01(−10)/(1 − e)
		0.125,                     // β_n
		0.07,                      // α_h
		1 / (1 + math.Exp(3)),     // β_h
	}
	for _, p := range []HHParams{HHShifted(), HHAbsolute()} {
		v := 0.0
		if p.Convention == Absolute {
			v = -65
		}
		am, bm, an, bn, ah, bh := p.Rates(v)
		got := [6]float64{am, bm, an, bn, ah, bh}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-15 {
				t.Errorf("%v rate %d at rest = %.17g, want %.17g", p.Convention, i, got[i], want[i])
			}
		}
	}
}

func TestRatesAtRemovableSingularities(t *testing.T) {
	for _, tc := range []struct {
		p        HHParams
		vn, vm   float64 // the 0/0 points of α_n and α_m
		conv     string
		alphaLim [2]float64
	}{
		{HHShifted(), 10, 25, "shifted", [2]float64{0.1, 1}},
		{HHAbsolute(), -55, -40, "absolute", [2]float64{0.1, 1}},
	} {
		_, _, an, _, _, _ := tc.p.Rates(tc.vn)
		am, _, _, _, _, _ := tc.p.Rates(tc.vm)
		if an != tc.alphaLim[0] || am != tc.alphaLim[1] {
			t.Errorf("%s: α_n(%v) = %v, α_m(%v) = %v; want limits 0.1 and 1", tc.conv, tc.vn, an, tc.vm, am)
		}
		// Neighbours: continuous and equal to the direct formula where it is well conditioned.
		for _, d := range []float64{-1e-3, -1e-6, -1e-9, -1e-12, 1e-12, 1e-9, 1e-6, 1e-3} {
			_, _, an, _, _, _ := tc.p.Rates(tc.vn + d)
			am, _, _, _, _, _ := tc.p.Rates(tc.vm + d)
			if math.IsNaN(an) || math.IsNaN(am) {
				t.Fatalf("%s: NaN at offset %g", tc.conv, d)
			}
			// α(x) = 10·scale·(1 + x/20 + …): the slope at the limit is scale/2 per mV.
			if math.Abs(an-(0.1+0.005*d)) > 1e-8 || math.Abs(am-(1+0.05*d)) > 1e-7 {
				t.Errorf("%s: offset %g: α_n = %.15g, α_m = %.15g", tc.conv, d, an, am)
			}
		}
	}
}

func TestRatesNeverNaN(t *testing.T) {
	p := HHAbsolute()
	for _, v := range []float64{-1e4, -500, -55, -40, 0, 55, 500, 1e4} {
		am, bm, an, bn, ah, bh := p.Rates(v)
		for i, r := range []float64{am, bm, an, bn, ah, bh} {
			if math.IsNaN(r) || r < 0 {
				t.Errorf("rate %d at %v mV = %v", i, v, r)
			}
		}
	}
}

func TestRestingState(t *testing.T) {
	for _, tc := range []struct {
		p    HHParams
		want float64
	}{{HHShifted(), 0}, {HHAbsolute(), -65}} {
		v, m, n, h := tc.p.Rest()
		// E_L = 10.613 is rounded so that rest is 0 (−65) within 0.01 mV.
		if math.Abs(v-tc.want) > 0.01 {
			t.Errorf("%v rest = %v, want %v ± 0.01", tc.p.Convention, v, tc.want)
		}
		if math.Abs(m-0.0529) > 1e-3 || math.Abs(n-0.3177) > 1e-3 || math.Abs(h-0.5961) > 1e-3 {
			t.Errorf("%v rest gates m=%v n=%v h=%v", tc.p.Convention, m, n, h)
		}
	}
}

// TestOneEulerStep checks one step against the update written out by hand
// from docs/model.md §1 (shifted convention, V = 0, m = 0.05, n = 0.3, h = 0.6, I = 10, dt = 0.01).
func TestOneEulerStep(t *testing.T) {
	p := HHShifted()
	h := NewHH(p, 1)
	h.SetState(0, 0.05, 0.3, 0.6)
	h.IExt[0] = 10
	h.StepEuler(0.01)

	am, bm := 2.5/(math.Exp(2.5)-1), 4.0
	an, bn := 0.1/(math.E-1), 0.125
	ah, bh := 0.07, 1/(1+math.Exp(3))
	iNa := 120 * 0.05 * 0.05 * 0.05 * 0.6 * (0 - 115)
	iK := 36 * 0.3 * 0.3 * 0.3 * 0.3 * (0 + 12)
	iL := 0.3 * (0 - 10.613)
	want := []float64{
		0 + 0.01*(10-iNa-iK-iL),
		0.05 + 0.01*(am*0.95-bm*0.05),
		0.3 + 0.01*(an*0.7-bn*0.3),
		0.6 + 0.01*(ah*0.4-bh*0.6),
	}
	got := []float64{h.V[0], h.M[0], h.N[0], h.H[0]}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-14 {
			t.Errorf("state %d after one step = %.17g, want %.17g", i, got[i], want[i])
		}
	}
}

// TestStepEulerMatchesGenericEuler: the hand-fused kernel and ode.Euler on
// Derivs perform the same arithmetic.
func TestStepEulerMatchesGenericEuler(t *testing.T) {
	a, b := NewHH(HHAbsolute(), 3), NewHH(HHAbsolute(), 3)
	var eu ode.Euler
	for k := range 5000 {
		for i := range 3 {
			a.IExt[i] = float64(10 * i)
			b.IExt[i] = float64(10 * i)
		}
		a.StepEuler(0.01)
		eu.Step(b, float64(k)*0.01, 0.01, b.Y)
	}
	for i, y := range a.Y {
		if math.Abs(y-b.Y[i]) > 1e-9 {
			t.Fatalf("component %d: fused %v, generic %v", i, y, b.Y[i])
		}
	}
}

// TestFastKernelDeviation bounds how far the fast kernel drifts from the
// exact one on spiking trajectories: 40 ms at dt = 0.01 ms with inputs from
// silent to fast firing, and the voltages near the 0/0 points.
func TestFastKernelDeviation(t *testing.T) {
	const n = 64
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range []HHParams{HHShifted(), HHAbsolute()} {
		a, b := NewHH(p, n), NewHH(p, n)
		for i := range n {
			cur := 40 * rng.Float64()
			a.IExt[i], b.IExt[i] = cur, cur
		}
		maxDiff := 0.0
		for range 4000 {
			a.StepEuler(0.01)
			b.StepEulerFast(0.01)
			for i := range n {
				maxDiff = max(maxDiff, math.Abs(a.V[i]-b.V[i]))
			}
		}
		// Rounding-level differences grow through spikes; 1e-6 mV is five
		// orders below the 0.1 mV accuracy of the paper's tv-LIF2HH.
		if maxDiff > 1e-6 {
			t.Errorf("%v: fast kernel deviates by %g mV", p.Convention, maxDiff)
		}
	}
	// Rates of the fast kernel across voltages, including the singular points.
	for _, p := range []HHParams{HHShifted(), HHAbsolute()} {
		off := p.Convention.offsets().rest
		for v := -150.0; v <= 150; v += 0.07 {
			for _, x := range []float64{v - off, 10 - off, 25 - off, -off + 10 + 1e-9} {
				a, b := NewHH(p, 1), NewHH(p, 1)
				a.SetState(x, 0.3, 0.3, 0.3)
				b.SetState(x, 0.3, 0.3, 0.3)
				a.StepEuler(0.01)
				b.StepEulerFast(0.01)
				for k := range a.Y {
					if math.Abs(a.Y[k]-b.Y[k]) > 1e-12*(1+math.Abs(a.Y[k])) || math.IsNaN(b.Y[k]) {
						t.Fatalf("%v at %v mV, component %d: fast %v, exact %v", p.Convention, x, k, b.Y[k], a.Y[k])
					}
				}
			}
		}
	}
}

// firstSpikes returns the first few onsets (V crossing 20 mV upwards, in
// the shifted convention: 80 mV above rest) of a driven neuron.
func firstSpikes(t *testing.T, method string, dt float64) []float64 {
	h := NewHH(HHShifted(), 1)
	h.IExt[0] = 10
	var step func()
	if method == "euler" {
		step = func() { h.StepEuler(dt) }
	} else {
		st, err := ode.Parse(method)
		if err != nil {
			t.Fatal(err)
		}
		step = func() { st.Step(h, 0, dt, h.Y) }
	}
	var onsets []float64
	prev := h.V[0]
	n := int(math.Round(50 / dt))
	for k := 1; k <= n; k++ {
		step()
		if prev <= 80 && h.V[0] > 80 {
			// Interpolate the crossing linearly within the step.
			onsets = append(onsets, (float64(k-1)+(80-prev)/(h.V[0]-prev))*dt)
		}
		prev = h.V[0]
	}
	return onsets
}

func TestSpikeTimesConverge(t *testing.T) {
	ref := firstSpikes(t, "rk4", 0.0005)
	if len(ref) < 3 {
		t.Fatalf("reference has %d spikes in 50 ms, want ≥ 3", len(ref))
	}
	errAt := func(method string, dt float64) float64 {
		got := firstSpikes(t, method, dt)
		if len(got) != len(ref) {
			t.Fatalf("%s dt=%v: %d spikes, reference %d", method, dt, len(got), len(ref))
		}
		e := 0.0
		for i := range ref {
			e = max(e, math.Abs(got[i]-ref[i]))
		}
		return e
	}
	if e, eu := errAt("rk4", 0.01), errAt("euler", 0.01); e >= eu/10 {
		t.Errorf("dt = 0.01: RK4 spike-time error %.3g ms not 10× below Euler's %.3g", e, eu)
	}
	for _, tc := range []struct {
		method string
		// Error ratio when dt halves: ≈ 2 for the first-order methods. RK4's
		// voltages are fourth order, but locating the crossing by linear
		// interpolation within a step is second order, so ≈ 4 there.
		minGain float64
	}{{"euler", 1.7}, {"rush-larsen", 1.7}, {"rk4", 2.5}} {
		e1, e2, e3 := errAt(tc.method, 0.02), errAt(tc.method, 0.01), errAt(tc.method, 0.005)
		if !(e2 < e1 && e3 < e2) || e1/e2 < tc.minGain || e2/e3 < tc.minGain {
			t.Errorf("%s: spike-time errors %.3g, %.3g, %.3g ms as dt halves; want a ratio ≥ %v", tc.method, e1, e2, e3, tc.minGain)
		}
	}
}

func TestConductances(t *testing.T) {
	h := NewHH(HHAbsolute(), 1)
	h.SetState(-60, 0.5, 0.5, 0.5)
	gNa, gK := make([]float64, 1), make([]float64, 1)
	h.Conductances(gNa, gK)
	if gNa[0] != 120*0.125*0.5 || gK[0] != 36*0.0625 {
		t.Errorf("g_Na = %v, g_K = %v; want 7.5 and 2.25", gNa[0], gK[0])
	}
}

func ExampleHH() {
	// One HH neuron (absolute convention) driven by 10 µA/cm² for 50 ms.
	h := NewHH(HHAbsolute(), 1)
	h.IExt[0] = 10
	const dt = 0.01
	above := false
	for k := 1; k <= 5000; k++ {
		h.StepEuler(dt)
		if h.V[0] > -40 && !above {
			fmt.Printf("spike at %.2f ms\n", float64(k)*dt)
		}
		above = h.V[0] > -40
	}
	// Output:
	// spike at 1.66 ms
	// spike at 16.51 ms
	// spike at 31.15 ms
	// spike at 45.78 ms
}

// TestFastVectorMatchesScalar: the vector kernel (kernels.HHFastStep)
// and the scalar fast kernel give bit-identical states, including groups
// that fall back to scalar near the 0/0 points and far outside physiology.
func TestFastVectorMatchesScalar(t *testing.T) {
	const n = 103 // not a multiple of 4: the tail runs scalar
	for _, p := range []HHParams{HHShifted(), HHAbsolute()} {
		a, b := NewHH(p, n), NewHH(p, n)
		off := p.Convention.offsets().rest
		for i := range n {
			cur := 50 * float64(i) / n
			a.IExt[i], b.IExt[i] = cur, cur
		}
		a.V[5], b.V[5] = 10-off, 10-off   // α_n's 0/0 point
		a.V[9], b.V[9] = 400-off, 400-off // off the fast path
		for range 3000 {
			a.StepEulerFast(0.01)
			b.stepFastScalar(0.01, 0, n)
		}
		for k := range a.Y {
			if a.Y[k] != b.Y[k] {
				t.Fatalf("%v component %d: vector %v, scalar %v", p.Convention, k, a.Y[k], b.Y[k])
			}
		}
	}
}
