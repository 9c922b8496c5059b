package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// BenchmarkAdam updates LIF_fc's 690 734 parameters.
func BenchmarkAdam(b *testing.B) {
	p := NewParam[float32]("w", 690734)
	p.Uniform(rand.New(rand.NewPCG(1, 1)), 0.1)
	ps := []*Param[float32]{p}
	a := NewAdam(ps, 1e-5)
	b.ReportAllocs()
	for b.Loop() {
		a.Step(ps, 1e-4)
	}
}

// BenchmarkLIF runs LIF_fc's spiking layer (128 × 512 neurons, 15 steps)
// forward and backward.
func BenchmarkLIF(b *testing.B) {
	const size, steps = 128 * 512, 15
	rng := rand.New(rand.NewPCG(1, 1))
	in := make([]float32, size)
	for i := range in {
		in[i] = rng.Float32()
	}
	l := &LIF[float32]{Decay: 0.2, Theta: 0.3, Surrogate: Rect[float32](0.5)}
	dIn, dSpk := make([]float32, size), make([]float32, size)
	b.ReportAllocs()
	for b.Loop() {
		l.Reset(size, steps)
		for t := 0; t < steps; t++ {
			l.Forward(t, in)
		}
		for t := steps - 1; t >= 0; t-- {
			l.Backward(t, dIn, dSpk)
		}
	}
}

// BenchmarkLIFStatic is BenchmarkLIF's work through the static form.
func BenchmarkLIFStatic(b *testing.B) {
	const size, steps = 128 * 512, 15
	rng := rand.New(rand.NewPCG(1, 1))
	in := make([]float32, size)
	for i := range in {
		in[i] = rng.Float32()
	}
	l := &LIF[float32]{Decay: 0.2, Theta: 0.3, Surrogate: Rect[float32](0.5)}
	count, dIn, dCount := make([]float32, size), make([]float32, size), make([]float32, size)
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			p := tensor.NewPool(w)
			defer p.Close()
			b.ReportAllocs()
			l.Reset(size, steps)
			for b.Loop() {
				l.ForwardStatic(p, count, in)
				l.BackwardStatic(dIn, dCount)
			}
		})
	}
}

// BenchmarkSLIF2HHStatic runs LIF_hh_fc's spiking layer (128 × 512 units,
// 15 steps) forward and backward on 2 workers.
func BenchmarkSLIF2HHStatic(b *testing.B) {
	const w, batch, steps = 512, 128, 15
	rng := rand.New(rand.NewPCG(1, 1))
	in := make([]float32, 3*w*batch)
	for i := range in {
		in[i] = rng.Float32() * 3
	}
	l := NewSLIF2HH("s", float32(0.5), 2, Rect[float32](0.4), rng)
	count, dIn, dCount := make([]float32, 4*w*batch), make([]float32, 3*w*batch), make([]float32, 4*w*batch)
	p := tensor.NewPool(2)
	defer p.Close()
	l.Reset(w*batch, steps)
	b.ReportAllocs()
	for b.Loop() {
		l.ForwardStatic(p, count, in, w)
		l.BackwardStatic(p, dIn, dCount)
	}
}

// BenchmarkSLIF2HHStep runs LIF_hh_conv's second layer (128 samples × 10
// channels × 18 × 18 units) for 10 steps forward and backward, per step.
func BenchmarkSLIF2HHStep(b *testing.B) {
	const n, steps = 128 * 10 * 18 * 18, 10
	rng := rand.New(rand.NewPCG(1, 1))
	var in, dIn [3][]float32
	for k := range in {
		in[k], dIn[k] = make([]float32, n), make([]float32, n)
		for i := range in[k] {
			in[k][i] = rng.Float32() * 0.6
		}
	}
	var g [4][]float32
	for k := range g {
		g[k] = make([]float32, n)
	}
	l := NewSLIF2HH("s", float32(0.2), 0.3, Rect[float32](0.4), rng)
	l.Pool = tensor.NewPool(2)
	defer l.Pool.Close()
	l.Reset(n, steps)
	b.ReportAllocs()
	for b.Loop() {
		for t := 0; t < steps; t++ {
			l.Forward(t, in)
		}
		for t := steps - 1; t >= 0; t-- {
			l.Backward(t, dIn, g)
		}
	}
}

// BenchmarkConv2d runs the conv models' two convolutions forward and
// backward at batch 128: the first on images (a third of the pixels lit,
// no input gradient), the second on pooled spike maps (a tenth nonzero),
// with 10 channels and with 4LIF_conv's 40.
func BenchmarkConv2d(b *testing.B) {
	for _, tc := range []struct {
		name          string
		cin, cout, hw int
		lit           float64
		dx            bool
	}{
		{"first", 1, 10, 36, 0.35, false},
		{"second", 10, 10, 18, 0.1, true},
		{"second40", 40, 40, 18, 0.1, true}, // 4LIF_conv's
	} {
		b.Run(tc.name, func(b *testing.B) {
			const batch = 128
			rng := rand.New(rand.NewPCG(1, 1))
			pool := tensor.NewPool(0)
			defer pool.Close()
			c := NewConv2d[float32]("c", tc.cin, tc.cout, tc.hw, tc.hw, rng)
			c.Pool = pool
			n := batch * tc.hw * tc.hw
			x, y, dy := make([]float32, tc.cin*n), make([]float32, tc.cout*n), make([]float32, tc.cout*n)
			for i := range x {
				if rng.Float64() < tc.lit {
					x[i] = rng.Float32()
				}
			}
			for i := range dy {
				dy[i] = rng.Float32() - 0.5
			}
			var dx []float32
			if tc.dx {
				dx = make([]float32, tc.cin*n)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.Forward(y, x, batch, 1)
				c.Backward(dx, dy, x, batch, 1)
			}
		})
	}
}

// BenchmarkPooled runs the conv models' first spiking layer (10 maps of
// 36×36 per image, batch 128; T = 15, s-LIF2HH 10, the binary unit 1)
// over all steps, pooled, forward and backward, and reports ns per
// neuron-step.
func BenchmarkPooled(b *testing.B) {
	const planes, side = 10 * 128, 36
	rng := rand.New(rand.NewPCG(1, 1))
	for _, unit := range []string{"LIF", "HH", "SLIF", "Step"} {
		b.Run(unit, func(b *testing.B) {
			pool := tensor.NewPool(0)
			defer pool.Close()
			l := Pooled[float32]{Pool: pool}
			inputs, steps := 1, 15
			switch unit {
			case "LIF":
				l.LIF = &LIF[float32]{Decay: 0.2, Theta: 0.3, Surrogate: Rect[float32](0.5)}
			case "HH":
				l.HH = NewHH(side, 0.1, 2.3, Rect[float32](0.5), rng)
				l.HH.DetachCurrents = true
			case "SLIF":
				l.SLIF = NewSLIF2HH("s", float32(0.2), 0.3, Rect[float32](0.4), rng)
				inputs, steps = 3, 10
			case "Step":
				l.Step = &Step[float32]{Theta: 0.5, Surrogate: Rect[float32](0.5)}
				steps = 1
			}
			x := make([]float32, inputs*planes*side*side)
			for i := range x {
				x[i] = rng.Float32()*1.5 - 0.5
			}
			pooled, dPooled := make([][]float32, steps), make([][]float32, steps)
			for t := range pooled {
				pooled[t] = make([]float32, planes*side*side/4)
				dPooled[t] = make([]float32, planes*side*side/4)
				for j := range dPooled[t] {
					dPooled[t][j] = rng.Float32() - 0.5
				}
			}
			dIn := make([]float32, len(x))
			l.Forward(pooled, x, planes, side) // warm-up sizes the buffers
			l.Backward(dIn, dPooled)
			b.ReportAllocs()
			for b.Loop() {
				l.Forward(pooled, x, planes, side)
				l.Backward(dIn, dPooled)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(planes*side*side*steps), "ns/neuron-step")
		})
	}
}
