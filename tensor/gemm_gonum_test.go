//go:build !openblas

package tensor

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/internal/kernels"
)

// TestDenseA: a product runs on the register tiles from a third of op(A)
// nonzero, and on the zero-skipping rows below.
func TestDenseA(t *testing.T) {
	for _, tc := range []struct {
		m, k, nonzeros int
		transA, want   bool
	}{
		{9, 10, 30, false, true},
		{9, 10, 29, false, false},
		{9, 10, 90, true, true},
		{9, 10, 0, false, false},
		{7, 7, 17, false, true}, // ⌈49/3⌉ = 17
		{7, 7, 16, true, false},
	} {
		a := make([]float32, tc.m*tc.k)
		for i := range tc.nonzeros {
			a[len(a)-1-i] = 1 // the last ones: the count cannot stop early
		}
		lda := tc.k
		if tc.transA {
			lda = tc.m
		}
		g := gemmArgs{transA: tc.transA, m: tc.m, n: 1, k: tc.k, a: a, lda: lda}
		if got := g.denseA(); got != tc.want {
			t.Errorf("%d×%d with %d nonzeros: dense %v, want %v", tc.m, tc.k, tc.nonzeros, got, tc.want)
		}
	}
}

// TestTileKernelsAgree: the AVX-512 tile (6 × 32) gives the bits of two
// AVX2 tiles (6 × 16) side by side, so a product's bits do not depend on
// which the CPU runs.
func TestTileKernelsAgree(t *testing.T) {
	if kernels.TileCols() != 32 {
		t.Skip("this CPU runs the 16-column tile only")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{1, 7, 300} {
		a, b := make([]float32, 6*k), make([]float32, 32*k)
		left, right := make([]float32, 16*k), make([]float32, 16*k)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for p := 0; p < k; p++ {
			for j := 0; j < 32; j++ {
				b[p*32+j] = float32(rng.NormFloat64())
			}
			copy(left[p*16:], b[p*32:p*32+16])
			copy(right[p*16:], b[p*32+16:p*32+32])
		}
		c := make([]float32, 6*40)
		for i := range c {
			c[i] = float32(rng.NormFloat64())
		}
		wide, narrow := slices.Clone(c), slices.Clone(c)
		kernels.GemmTile32(&wide[0], 40, &a[0], &b[0], k)
		kernels.GemmTile(&narrow[0], 40, &a[0], &left[0], k)
		kernels.GemmTile(&narrow[16], 40, &a[0], &right[0], k)
		if !slices.Equal(wide, narrow) {
			t.Errorf("k = %d: the 32-column tile differs from two 16-column ones", k)
		}
	}
}
