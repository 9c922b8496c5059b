//go:build !openblas

package tensor

import "gonum.org/v1/gonum/blas/blas32"

// Backend names the float32 GEMM back end of this build.
const Backend = "gonum"

// rowBlock is the fixed number of rows of C in one block of work.
const rowBlock = 16

// sgemm is the back end without cgo. Products of minTiled multiply-adds
// or more with a dense op(A) run on the register tiles of package kernels
// (see tiled; 3–5× the rows below on dense data). The others use gonum's
// vectorised Saxpy and Sdot: with op(B) = B, row by row as sums of rows
// of B scaled by the entries of A, skipping A's zeros (images and spike
// maps are mostly zeros); with op(B) = Bᵀ, a dot product per element.
// Each element of C is summed in a fixed order within one block, so
// results do not depend on the workers, and with a pool nothing
// allocates.
func sgemm(p *Pool, g *gemmArgs) {
	size := g.m * g.n * g.k
	if size >= minTiled && g.tiled(p) {
		return
	}
	if size < 1<<18 {
		g.Range(0, g.m)
		return
	}
	p.Run(g, g.m, rowBlock)
}

// minTiled is the size m·n·k from which a dense product runs on the
// tiles. Smaller ones, down to a read-out of ten classes from fifty
// units (128 × 10 × 50), were 4–6× slower as rows of ten-element Saxpys.
const minTiled = 1 << 14

// serial computes the product on the calling goroutine, in the blocks sgemm
// would use.
func (g *gemmArgs) serial() {
	if g.m*g.n*g.k >= minTiled {
		// The tiled product keeps its arguments in its work: a copy, so that
		// the caller's stay on its stack (a product without a pool allocates).
		own := new(gemmArgs)
		*own = *g
		if own.tiled(nil) {
			return
		}
	}
	g.Range(0, g.m)
}

// Range computes rows [lo, hi) of C.
func (g *gemmArgs) Range(lo, hi int) {
	impl := blas32.Implementation()
	n := g.n
	for i := lo; i < hi; i++ {
		ci := g.c[i*g.ldc : i*g.ldc+n]
		if g.transB {
			g.dotRow(i, ci)
			continue
		}
		switch g.beta {
		case 1:
		case 0:
			clear(ci)
		default:
			for j := range ci {
				ci[j] *= g.beta
			}
		}
		for p := 0; p < g.k; p++ {
			var av float32
			if g.transA {
				av = g.a[p*g.lda+i]
			} else {
				av = g.a[i*g.lda+p]
			}
			if av != 0 {
				impl.Saxpy(n, g.alpha*av, g.b[p*g.ldb:p*g.ldb+n], 1, ci, 1)
			}
		}
	}
}

// dotRow computes row i of C = alpha·op(A)·Bᵀ + beta·C by dot products.
func (g *gemmArgs) dotRow(i int, ci []float32) {
	impl := blas32.Implementation()
	for j := range ci {
		var d float32
		bj := g.b[j*g.ldb : j*g.ldb+g.k]
		if g.transA {
			for p, bv := range bj {
				d += g.a[p*g.lda+i] * bv
			}
		} else {
			d = impl.Sdot(g.k, g.a[i*g.lda:i*g.lda+g.k], 1, bj, 1)
		}
		if g.beta == 0 {
			ci[j] = g.alpha * d
		} else {
			ci[j] = g.alpha*d + g.beta*ci[j]
		}
	}
}
