package nn

import (
	"math/rand/v2"
	"slices"
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
		for _, unit := range []string{"LIF", "HH", "HH attached"} {
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
		for _, unit := range []string{"LIF", "HH", "HH attached"} {
			const planes, steps = 3, 9
			x := to32(randVec(rng, planes*side*side, -0.5, 2))
			var dPooled [][]float32
			for range steps {
				dPooled = append(dPooled, to32(randVec(rng, planes*side*side/4, -1, 1)))
			}
			run := func(fast bool) (pooled [][]float32, dIn []float32) {
				var l Pooled[float32]
				if unit == "LIF" {
					l.LIF = &LIF[float32]{Decay: 0.2, Theta: 0.3, Surrogate: Rect[float32](0.5)}
				} else {
					l.HH = NewHH(side, 0.5, 0.4, Rect[float32](0.5), rand.New(rand.NewPCG(5, 5)))
					l.HH.DetachCurrents = unit == "HH"
				}
				pooled = make([][]float32, steps)
				for t := range pooled {
					pooled[t] = make([]float32, len(x)/4)
				}
				dIn = make([]float32, len(x))
				if fast {
					l.Forward(pooled, x, planes, side)
					l.Backward(dIn, dPooled)
					return
				}
				// The generic code, block by block.
				l.planes, l.side, l.steps, l.in = planes, side, steps, x
				if l.HH != nil {
					l.HH.gates(side, steps)
				}
				l.pooled = pooled
				for r := range planes * side / 2 {
					for xx := range side / 2 {
						l.block(r/(side/2), r%(side/2), xx)
					}
				}
				l.goingBack, l.dIn, l.dPooled = true, dIn, dPooled
				for r := range planes * side / 2 {
					for xx := range side / 2 {
						l.block(r/(side/2), r%(side/2), xx)
					}
				}
				return
			}
			gotP, gotD := run(true)
			wantP, wantD := run(false)
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
		}
	}
}

func TestStepFloat32(t *testing.T) {
	s := Step[float32]{Theta: 0.5, Surrogate: Rect[float32](0.5)}
	x := []float32{-1, 0, 0.2, 0.5, 0.6, 0.99, 1, 1.2}
	out := make([]float32, len(x))
	s.Forward(out, x)
	if want := []float32{0, 0, 0, 0, 1, 1, 1, 1}; !slices.Equal(out, want) {
		t.Errorf("forward %v, want %v", out, want)
	}
	dx := make([]float32, len(x))
	s.Backward(dx, []float32{2, 2, 2, 2, 2, 2, 2, 2}, x)
	// Gradient 2 where 0 < x and |x − 0.5| < 0.5: x in (0, 1).
	if want := []float32{0, 0, 2, 2, 2, 2, 0, 0}; !slices.Equal(dx, want) {
		t.Errorf("backward %v, want %v", dx, want)
	}
}
