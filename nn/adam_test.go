package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// TestAdam pins two steps against the update written out by hand
// (PyTorch's formula, weight decay added to the gradient).
func TestAdam(t *testing.T) {
	p := NewParam[float64]("p", 2)
	p.Value[0], p.Value[1] = 1, -2
	a := NewAdam([]*Param[float64]{p}, 0.1)
	grads := [][2]float64{{0.5, 0.25}, {-1, 0.5}}
	w := [2]float64{1, -2}
	var m, v [2]float64
	for k, g := range grads {
		p.Grad[0], p.Grad[1] = g[0], g[1]
		a.Step([]*Param[float64]{p}, 0.01)
		step := float64(k + 1)
		for i := range w {
			gi := g[i] + 0.1*w[i]
			m[i] = 0.9*m[i] + 0.1*gi
			v[i] = 0.999*v[i] + 0.001*gi*gi
			mh := m[i] / (1 - math.Pow(0.9, step))
			vh := v[i] / (1 - math.Pow(0.999, step))
			w[i] -= 0.01 * mh / (math.Sqrt(vh) + 1e-8)
			if math.Abs(p.Value[i]-w[i]) > 1e-14 {
				t.Fatalf("step %d param %d: %.17g, want %.17g", k+1, i, p.Value[i], w[i])
			}
		}
		if p.Grad[0] != 0 || p.Grad[1] != 0 {
			t.Fatal("Step did not zero the gradient")
		}
	}
}

func TestMultiStepLR(t *testing.T) {
	s := MultiStepLR{Base: 1e-4, Gamma: 0.1, Milestones: []int{10, 20, 30}}
	for _, tc := range []struct {
		epoch int
		lr    float64
	}{{0, 1e-4}, {9, 1e-4}, {10, 1e-5}, {19, 1e-5}, {20, 1e-6}, {30, 1e-7}, {39, 1e-7}} {
		if got := s.At(tc.epoch); math.Abs(got-tc.lr) > 1e-20 {
			t.Errorf("epoch %d: lr %g, want %g", tc.epoch, got, tc.lr)
		}
	}
}

// TestAdamKernelMatchesGeneric: the float32 Adam kernel (AVX2 assembly on
// amd64) gives the generic update's bits.
func TestAdamKernelMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 1))
	const n = 1003
	mk := func() []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	val, grad, m, v := mk(), mk(), mk(), mk()
	for i := range v {
		v[i] *= v[i]
	}
	// eps large enough to change every update's bits.
	k := adamKernel[float32]{b1: 0.9, b2: 0.999, wd: 1e-5, stepSize: 1e-3, sqrtBC2: 0.03, eps: 0.25}
	val2, grad2, m2, v2 := slices.Clone(val), slices.Clone(grad), slices.Clone(m), slices.Clone(v)
	k.update(val, grad, m, v)
	adam32(&k, val2, grad2, m2, v2)
	if !slices.Equal(val, val2) || !slices.Equal(m, m2) || !slices.Equal(v, v2) || !slices.Equal(grad, grad2) {
		t.Error("float32 Adam kernel differs from the generic update")
	}
}

// TestAverage checks Adam's moving average against the update written
// out, in float64 and in float32 (kernel and tail, bit for bit), with a
// pool splitting the parameters into blocks.
func TestAverage(t *testing.T) {
	for _, n := range []int{1, 7, 8, 37, 20000} {
		t.Run("float32", func(t *testing.T) { checkAverage[float32](t, n) })
		t.Run("float64", func(t *testing.T) { checkAverage[float64](t, n) })
	}
}

func checkAverage[F Float](t *testing.T, n int) {
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	p := &Param[F]{Name: "p", Value: make([]F, n), Grad: make([]F, n)}
	avg := make([]F, n)
	for i := range avg {
		p.Value[i], p.Grad[i], avg[i] = F(rng.NormFloat64()), F(rng.NormFloat64()), F(rng.NormFloat64())
	}
	pool := tensor.NewPool(2)
	defer pool.Close()
	a := NewAdam([]*Param[F]{p}, 0)
	a.Pool = pool
	want := slices.Clone(avg)
	decay := 0.999
	a.Average = &Average[F]{Decay: decay, Values: [][]F{avg}}
	a.Step([]*Param[F]{p}, 1e-3)
	for i := range want {
		x := F(decay) * want[i]
		y := F(1-decay) * p.Value[i]
		want[i] = x + y
	}
	for i := range want {
		if avg[i] != want[i] {
			t.Fatalf("n=%d: average[%d] = %v, want %v", n, i, avg[i], want[i])
		}
	}
}
