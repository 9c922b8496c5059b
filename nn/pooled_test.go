package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// perStepPooled is the composition Pooled replaces: the per-step layer on
// the constant input, pooled at each step, and backwards step by step.
func perStepPooled(fwd func(t int, in []float64) []float64, back func(t int, dIn, dSpk []float64), x []float64, dPooled [][]float64, planes, side int) (pooled [][]float64, dIn []float64) {
	steps := len(dPooled)
	for t := range steps {
		p := make([]float64, len(x)/4)
		AvgPool2Forward(p, fwd(t, x), planes, side, side)
		pooled = append(pooled, p)
	}
	dIn = make([]float64, len(x))
	dS := make([]float64, len(x))
	for t := steps - 1; t >= 0; t-- {
		AvgPool2Backward(dS, dPooled[t], planes, side, side)
		back(t, dIn, dS)
	}
	return pooled, dIn
}

func TestPooledMatchesPerStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 1))
	const planes, side, steps = 3, 6, 7
	for _, sg := range []Surrogate[float64]{Rect(0.5), {Smooth: 3}} {
		for _, unit := range []string{"LIF", "HH", "HH attached", "Step"} {
			x := randVec(rng, planes*side*side, -0.5, 1.5)
			var dPooled [][]float64
			for range steps {
				dPooled = append(dPooled, randVec(rng, planes*side*side/4, -1, 1))
			}
			var l Pooled[float64]
			var fwd func(int, []float64) []float64
			var back func(int, []float64, []float64)
			switch unit {
			case "LIF":
				l.LIF = &LIF[float64]{Decay: 0.2, Theta: 0.3, Surrogate: sg}
				ref := &LIF[float64]{Decay: 0.2, Theta: 0.3, Surrogate: sg}
				ref.Reset(len(x), steps)
				fwd, back = ref.Forward, ref.Backward
			case "Step":
				l.Step = &Step[float64]{Theta: 0.5, Surrogate: sg}
				out := make([]float64, len(x))
				fwd = func(_ int, in []float64) []float64 { l.Step.Forward(out, in); return out }
				back = func(_ int, dIn, dS []float64) {
					d := make([]float64, len(dIn))
					l.Step.Backward(d, dS, x)
					for i := range d {
						dIn[i] += d[i]
					}
				}
			default:
				l.HH = NewHH(side, 0.5, 0.4, sg, rand.New(rand.NewPCG(5, 5)))
				l.HH.DetachCurrents = unit == "HH"
				for k := range l.HH.Coef {
					for i := range l.HH.Coef[k] {
						l.HH.Coef[k][i] *= 30 // gates that move within the steps
					}
				}
				ref := &HH[float64]{Dt: 0.5, Theta: 0.4, Surrogate: sg, DetachCurrents: l.HH.DetachCurrents, Coef: l.HH.Coef, Width: side}
				ref.Reset(len(x), side, steps)
				fwd, back = ref.Forward, ref.Backward
			}
			wantPooled, wantDIn := perStepPooled(fwd, back, x, dPooled, planes, side)
			for _, workers := range []int{1, 2} {
				l.Pool = tensor.NewPool(workers)
				pooled := make([][]float64, steps)
				for t := range pooled {
					pooled[t] = make([]float64, len(x)/4)
				}
				l.Forward(pooled, x, planes, side)
				dIn := make([]float64, len(x))
				for i := range dIn {
					dIn[i] = math.NaN() // Backward overwrites, never adds
				}
				l.Backward(dIn, dPooled)
				l.Pool.Close()
				if !closeTo(slices.Concat(pooled...), slices.Concat(wantPooled...), 1e-12) {
					t.Fatalf("%s, smooth %g: pooled spikes differ from the per-step layer", unit, sg.Smooth)
				}
				if !closeTo(dIn, wantDIn, 1e-10) {
					t.Fatalf("%s, smooth %g: input gradient differs from the per-step layer:\n%v\n%v", unit, sg.Smooth, dIn[:6], wantDIn[:6])
				}
			}
		}
	}
}

// TestPooledFast checks the float32 kernels (vector ones where the build
// has them) against the generic code in float32, bit for bit, on rows
// that take whole and overlapping vector blocks and rows too short for
// them.
func TestPooledFast(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	for _, side := range []int{4, 16, 20, 36} {
		for _, unit := range []string{"LIF", "HH", "HH attached", "SLIF", "Step"} {
			const planes, steps = 3, 9
			inputs := 1
			if unit == "SLIF" {
				inputs = 3
			}
			x := to32(randVec(rng, inputs*planes*side*side, -0.5, 2))
			for i := range x {
				switch {
				case strings.HasPrefix(unit, "HH"):
					// The leak current's drive (ḡ_L·E_L·dt ≈ 1.6 per step)
					// lifts v past the window at once unless x pulls back.
					x[i] = 2.5*x[i] - 3
				case i%11 == 0:
					x[i] = 0.8 // LIF: m − θ = lens at step 0, the window's edge
				case i%11 == 1:
					x[i] = 0.3 // LIF: m = θ at step 0, no spike (strict)
				}
			}
			var dPooled [][]float32
			for range steps {
				dPooled = append(dPooled, to32(randVec(rng, planes*side*side/4, -1, 1)))
			}
			run := func(fast bool) (pooled [][]float32, dIn, mix []float32) {
				var l Pooled[float32]
				switch unit {
				case "LIF":
					l.LIF = &LIF[float32]{Decay: 0.2, Theta: 0.3, Surrogate: Rect[float32](0.5)}
				case "SLIF":
					l.SLIF = NewSLIF2HH("s", float32(0.5), 0.3, Rect[float32](0.4), rand.New(rand.NewPCG(6, 6)))
					mix = l.SLIF.Mix.Grad
				case "Step":
					l.Step = &Step[float32]{Theta: 0.5, Surrogate: Rect[float32](0.8)}
				default:
					l.HH = NewHH(side, 0.5, 0.4, Rect[float32](0.5), rand.New(rand.NewPCG(5, 5)))
					l.HH.DetachCurrents = unit == "HH"
				}
				pooled = make([][]float32, steps)
				for t := range pooled {
					pooled[t] = make([]float32, planes*side*side/4)
				}
				dIn = make([]float32, len(x))
				for i := range dIn {
					dIn[i] = float32(math.NaN())
				}
				if fast {
					l.Forward(pooled, x, planes, side)
					l.Backward(dIn, dPooled)
					return
				}
				// The generic code, block by block.
				var mix64 [4]float64
				l.planes, l.side, l.steps, l.in = planes, side, steps, x
				if l.HH != nil {
					l.HH.gates(side, steps)
				}
				l.pooled = pooled
				for r := range planes * side / 2 {
					for xx := range side / 2 {
						l.block(r/(side/2), r%(side/2), xx, &mix64)
					}
				}
				l.goingBack, l.dIn, l.dPooled = true, dIn, dPooled
				for r := range planes * side / 2 {
					for xx := range side / 2 {
						l.block(r/(side/2), r%(side/2), xx, &mix64)
					}
				}
				for q := range mix {
					mix[q] += float32(mix64[q])
				}
				return
			}
			gotP, gotD, gotM := run(true)
			wantP, wantD, wantM := run(false)
			if unit == "SLIF" && wantM[0] == 0 && wantM[3] == 0 {
				t.Fatal("no mixing gradient: the test checks nothing")
			}
			for q := range gotM {
				// Summed over units in another order: equal to rounding.
				if math.Abs(float64(gotM[q]-wantM[q])) > 1e-5*(1+math.Abs(float64(wantM[q]))) {
					t.Fatalf("%s side %d: mixing gradient %v, generic code %v", unit, side, gotM, wantM)
				}
			}
			if !slices.Equal(slices.Concat(gotP...), slices.Concat(wantP...)) {
				t.Fatalf("%s side %d: pooled spikes differ from the generic code", unit, side)
			}
			if !slices.Equal(gotD, wantD) {
				for i := range gotD {
					if gotD[i] != wantD[i] {
						t.Fatalf("%s side %d: dIn[%d] = %v, generic code %v", unit, side, i, gotD[i], wantD[i])
					}
				}
			}
			var spikes float32
			for _, v := range slices.Concat(gotP...) {
				spikes += v
			}
			if spikes == 0 {
				t.Fatalf("%s side %d: no spikes, the test checks nothing", unit, side)
			}
			nonzero := 0
			for _, g := range gotD {
				if g != 0 {
					nonzero++
				}
			}
			if nonzero < len(gotD)/10 {
				t.Fatalf("%s side %d: %d of %d input gradients nonzero, the test checks little", unit, side, nonzero, len(gotD))
			}
		}
	}
}
