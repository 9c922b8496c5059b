package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

func TestLinearGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const batch, in, out = 3, 4, 5
	l := NewLinear[float64]("l", in, out, rng)
	x := randVec(rng, batch*in, -1, 1)
	c := randVec(rng, batch*out, -1, 1)
	y := make([]float64, batch*out)
	loss := func() float64 { l.Forward(y, x, batch); return dot(c, y) }
	dx := make([]float64, batch*in)
	loss()
	l.Backward(dx, c, x, batch)
	for _, p := range []struct {
		name string
		v, g []float64
	}{{"x", x, dx}, {"W", l.W.Value, l.W.Grad}, {"b", l.B.Value, l.B.Grad}} {
		orig := append([]float64{}, p.v...)
		checkGrad(t, "Linear d"+p.name, func(v []float64) float64 { copy(p.v, v); return loss() }, orig, p.g)
		copy(p.v, orig)
	}
}

// TestLinearSparse: the sparse forms give the dense forms' outputs and
// gradients, in float64 (where the sums agree to rounding) and float32
// (the AVX2 kernel where the CPU has it).
func TestLinearSparse(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testLinearSparse[float64](t, 1e-13) })
	t.Run("float32", func(t *testing.T) { testLinearSparse[float32](t, 2e-6) })
}

func testLinearSparse[F Float](t *testing.T, tol float64) {
	rng := rand.New(rand.NewPCG(1, 9))
	const batch, in, out = 5, 70, 77
	l := NewLinear[F]("l", in, out, rng)
	x := make([]F, batch*in)
	for i := range x {
		if rng.Float64() < 0.3 {
			x[i] = F(rng.Float64())
		}
	}
	dy := make([]F, batch*out)
	for i := range dy {
		dy[i] = F(2*rng.Float64() - 1)
	}
	var xs tensor.Sparse[F]
	xs.Set(nil, x, batch, in)
	y, ys := make([]F, batch*out), make([]F, batch*out)
	l.Forward(y, x, batch)
	l.ForwardSparse(ys, &xs)
	l.Backward(nil, dy, x, batch)
	dW, dB := slices.Clone(l.W.Grad), slices.Clone(l.B.Grad)
	ZeroGrads(l.Params())
	l.BackwardSparse(dy, &xs)
	for _, c := range []struct {
		name      string
		got, want []F
	}{{"y", ys, y}, {"dW", l.W.Grad, dW}, {"dB", l.B.Grad, dB}} {
		for i := range c.want {
			if d := math.Abs(float64(c.got[i] - c.want[i])); d > tol*(1+math.Abs(float64(c.want[i]))) {
				t.Fatalf("%s[%d] = %v sparse, %v dense", c.name, i, c.got[i], c.want[i])
			}
		}
	}
	if slices.Equal(l.W.Grad, make([]F, len(dW))) {
		t.Fatal("zero weight gradient: the check checks nothing")
	}
}

// TestLinearBackwardInput: dy·Wᵀ against the sum written out, on both of
// its paths (the direct product, and dxᵀ = W·dyᵀ transposed when W is
// larger than dy and dx), serially and on a pool, for widths that are no
// multiples of the transpose's blocks.
func TestLinearBackwardInput(t *testing.T) {
	pool := tensor.NewPool(2)
	defer pool.Close()
	for _, tc := range []struct{ batch, in, out int }{
		{3, 4, 5},       // direct
		{5, 70, 77},     // transposed
		{128, 200, 300}, // transposed, 200 = 3·64 + 8
		{9, 13, 1000},   // transposed, one partial block
		{64, 1000, 10},  // direct
	} {
		for _, p := range []*tensor.Pool{nil, pool} {
			testBackwardInput[float64](t, tc.batch, tc.in, tc.out, p, 1e-13)
			testBackwardInput[float32](t, tc.batch, tc.in, tc.out, p, 1e-5)
		}
	}
}

func testBackwardInput[F Float](t *testing.T, batch, in, out int, pool *tensor.Pool, tol float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(in), uint64(out)))
	l := NewLinear[F]("l", in, out, rng)
	l.Pool = pool
	dy := make([]F, batch*out)
	for i := range dy {
		dy[i] = F(2*rng.Float64() - 1)
	}
	dx := make([]F, batch*in)
	for range 2 { // a second call reuses the scratch
		l.BackwardInput(dx, dy, batch)
	}
	// With the Go products both paths sum each element in the same order:
	// the same bits as the direct product.
	if tensor.Backend == "gonum" {
		direct := make([]F, batch*in)
		tensor.Gemm(pool, false, true, batch, in, out, 1, dy, out, l.W.Value, out, 0, direct, in)
		if !slices.Equal(dx, direct) {
			t.Fatalf("%d×%d·(%d×%d)ᵀ, pool %v: not the direct product's bits", batch, out, in, out, pool != nil)
		}
	}
	for b := 0; b < batch; b++ {
		for i := 0; i < in; i++ {
			var want float64
			for k := 0; k < out; k++ {
				want += float64(dy[b*out+k]) * float64(l.W.Value[i*out+k])
			}
			if d := math.Abs(float64(dx[b*in+i]) - want); d > tol*(1+math.Abs(want))*math.Sqrt(float64(out)) {
				t.Fatalf("%d×%d·(%d×%d)ᵀ, pool %v: dx[%d][%d] = %v, want %v", batch, out, in, out, pool != nil, b, i, dx[b*in+i], want)
			}
		}
	}
}
