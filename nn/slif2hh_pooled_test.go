package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// TestPooledSLIF checks the s-LIF2HH unit against the per-step layer on
// the summed spike map, pooled at each step: spikes, the three input
// gradients and the mixing gradient.
func TestPooledSLIF(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 1))
	const planes, side, steps = 2, 6, 6
	size := planes * side * side
	for _, sg := range []Surrogate[float64]{Rect(0.4), {Smooth: 3}} {
		x := randVec(rng, 3*size, -0.5, 1.5)
		var dPooled [][]float64
		for range steps {
			dPooled = append(dPooled, randVec(rng, size/4, -1, 1))
		}
		ref := NewSLIF2HH("s", 0.5, 0.3, sg, rand.New(rand.NewPCG(6, 6)))
		ref.Reset(size, steps)
		in := [3][]float64{x[:size], x[size : 2*size], x[2*size:]}
		fwd := func(t int, _ []float64) []float64 {
			out := ref.Forward(t, in)
			sum := slices.Clone(out[0])
			for q := 1; q < 4; q++ {
				for i, v := range out[q] {
					sum[i] += v
				}
			}
			return sum
		}
		wantDIn := make([]float64, 3*size)
		back := func(t int, _, dS []float64) {
			ref.Backward(t, [3][]float64{wantDIn[:size], wantDIn[size : 2*size], wantDIn[2*size:]}, [4][]float64{dS, dS, dS, dS})
		}
		wantPooled, _ := perStepPooled(fwd, back, x[:size], dPooled, planes, side)

		l := Pooled[float64]{SLIF: NewSLIF2HH("s", 0.5, 0.3, sg, rand.New(rand.NewPCG(6, 6)))}
		l.Pool = tensor.NewPool(2)
		pooled := make([][]float64, steps)
		for t := range pooled {
			pooled[t] = make([]float64, size/4)
		}
		l.Forward(pooled, x, planes, side)
		dIn := make([]float64, 3*size)
		l.Backward(dIn, dPooled)
		l.Pool.Close()
		if !closeTo(slices.Concat(pooled...), slices.Concat(wantPooled...), 1e-12) {
			t.Fatalf("smooth %g: pooled spikes differ from the per-step layer", sg.Smooth)
		}
		if !closeTo(dIn, wantDIn, 1e-10) {
			t.Fatalf("smooth %g: input gradients differ from the per-step layer", sg.Smooth)
		}
		if !closeTo(l.SLIF.Mix.Grad, ref.Mix.Grad, 1e-10) {
			t.Fatalf("smooth %g: mixing gradient %v, per-step layer %v", sg.Smooth, l.SLIF.Mix.Grad, ref.Mix.Grad)
		}
		if slices.Max(slices.Concat(pooled...)) == 0 || slices.Max(ref.Mix.Grad) == 0 && slices.Min(ref.Mix.Grad) == 0 {
			t.Fatal("no spikes or no mixing gradient: the test checks nothing")
		}
	}
}
