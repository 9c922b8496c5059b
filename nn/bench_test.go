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
