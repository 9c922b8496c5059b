package f32_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/internal/f32"
	"github.com/hhnet/hhnet/internal/kernels"
)

// TestSoftplusKernel checks kernels.Softplus against Softplus bit for
// bit: random values over the whole range, the clamps and zeros of both
// signs.
func TestSoftplusKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := []float32{0, float32(math.Copysign(0, -1)), 5, 4.9999995, -82, -200, 93, 200, 1e-30, -1e-30}
	for len(s) < 4096 {
		s = append(s, float32(rng.NormFloat64()*20), float32(rng.Float64()*0.002-0.001)+5)
	}
	const shift = 5
	sigma, slope := make([]float32, len(s)), make([]float32, len(s))
	kernels.Softplus(&sigma[0], &slope[0], &s[0], shift, len(s))
	for i, v := range s {
		y, d := f32.Softplus(v - shift)
		if math.Float32bits(y) != math.Float32bits(sigma[i]) || math.Float32bits(d) != math.Float32bits(slope[i]) {
			t.Fatalf("s = %v: kernel %v, %v; Go %v, %v", v, sigma[i], slope[i], y, d)
		}
	}
}
