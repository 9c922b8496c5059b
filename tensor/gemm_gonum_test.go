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
	// From 64 rows on, every eighth row is the sample: a third of those
	// rows' entries decides, whatever the others hold.
	for _, tc := range []struct {
		sampledNonzeros int
		want            bool
	}{{8 * 10 / 3, false}, {8*10/3 + 1, true}} {
		a := make([]float32, 64*10)
		for i := range a {
			a[i] = 1
		}
		for r := 0; r < 64; r += 8 {
			clear(a[r*10 : r*10+10])
		}
		for i := range tc.sampledNonzeros {
			a[(i/10)*80+i%10] = 1
		}
		g := gemmArgs{m: 64, n: 1, k: 10, a: a, lda: 10}
		if got := g.denseA(); got != tc.want {
			t.Errorf("64×10, %d nonzeros in the sampled rows: dense %v, want %v", tc.sampledNonzeros, got, tc.want)
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
		kernels.GemmTile32(&wide[0], 40, &a[0], 1, 6, &b[0], 32, k)
		kernels.GemmTile(&narrow[0], 40, &a[0], 1, 6, &left[0], 16, k)
		kernels.GemmTile(&narrow[16], 40, &a[0], 1, 6, &right[0], 16, k)
		if !slices.Equal(wide, narrow) {
			t.Errorf("k = %d: the 32-column tile differs from two 16-column ones", k)
		}
	}
}

// TestTiledLayouts: a tiled product gives the same bits whether its tiles
// read A and B in place or from packed copies (alpha ≠ 1 packs A, a
// transposed B packs B), and with A stored either way, for shapes with
// and without edge tiles.
func TestTiledLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pool := NewPool(2)
	defer pool.Close()
	for _, sz := range [][3]int{{128, 512, 130}, {96, 64, 80}, {61, 50, 99}, {128, 10, 256}} { // each m·n·k ≥ 2¹⁸: tiled
		m, n, k := sz[0], sz[1], sz[2]
		a, b := make([]float32, m*k), make([]float32, k*n)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		at, bt := make([]float32, k*m), make([]float32, n*k) // Aᵀ and Bᵀ stored
		for i := range m {
			for p := range k {
				at[p*m+i] = a[i*k+p]
			}
		}
		for p := range k {
			for j := range n {
				bt[j*k+p] = b[p*n+j]
			}
		}
		half := make([]float32, len(a)) // A/2: alpha = 2 gives A again, exactly
		for i, v := range a {
			half[i] = v / 2
		}
		c0 := make([]float32, m*n)
		for i := range c0 {
			c0[i] = float32(rng.NormFloat64())
		}
		product := func(tA, tB bool, alpha float32, a []float32, lda int, b []float32, ldb int) []float32 {
			c := slices.Clone(c0)
			Gemm(pool, tA, tB, m, n, k, alpha, a, lda, b, ldb, 1, c, n)
			return c
		}
		inPlace := product(false, false, 1, a, k, b, n)
		for name, got := range map[string][]float32{
			"A transposed":     product(true, false, 1, at, m, b, n),
			"B packed":         product(false, true, 1, a, k, bt, k),
			"A packed":         product(false, false, 2, half, k, b, n),
			"both packed, Aᵀ":  product(true, true, 2, halfT(half, m, k), m, bt, k),
			"serial, in place": serialProduct(m, n, k, a, b, c0),
		} {
			if !slices.Equal(got, inPlace) {
				t.Errorf("%v: %s differs from A and B read in place", sz, name)
			}
		}
	}
}

// halfT stores the m × k matrix a transposed.
func halfT(a []float32, m, k int) []float32 {
	out := make([]float32, len(a))
	for i := range m {
		for p := range k {
			out[p*m+i] = a[i*k+p]
		}
	}
	return out
}

// serialProduct is C0 + A·B computed without a pool.
func serialProduct(m, n, k int, a, b, c0 []float32) []float32 {
	c := slices.Clone(c0)
	Gemm[float32](nil, false, false, m, n, k, 1, a, k, b, n, 1, c, n)
	return c
}
