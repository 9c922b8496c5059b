//go:build openblas

package tensor

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import (
	"sync"

	"github.com/hhnet/hhnet/internal/kernels"
)

// Backend names the float32 GEMM back end of this build.
const Backend = "openblas"

// singleThreaded makes OpenBLAS run each call on the calling thread: its own
// spinning worker threads fight the Go scheduler on small machines, so the
// parallelism is ours (see sgemm).
var singleThreaded = sync.OnceFunc(func() { C.openblas_set_num_threads(1) })

// Fixed blocks of C, so that results do not depend on the number of workers.
const (
	colBlock = 256 // columns of C per block, for wide products
	rowBlock = 32  // rows of C per block, for narrow ones
	// splitSize is the size m·n·k below which a product is one call.
	splitSize = 1 << 21
)

// sgemm splits large products into fixed blocks of C, by columns when C is
// wide (each block then packs only its part of B, measured 15–25 % faster
// than row blocks here) and by rows otherwise, and runs them on p. Where
// the CPU has AVX-512, a large product with a dense op(A) and at least one
// full panel of columns runs on hhnet's own 6 × 32 tiles instead (see
// tiled): OpenBLAS 0.3.21 drives such CPUs of AMD with its AVX2 kernels,
// and the tiles were 1.3–1.6× faster on the bottleneck's 128 × 512 × 512
// products. OpenBLAS picks its kernels by CPU too, so this build's bits
// depend on the CPU either way.
func sgemm(p *Pool, g *gemmArgs) {
	singleThreaded()
	if g.m*g.n*g.k >= splitSize && g.n >= 32 && kernels.TileCols() == 32 && g.tiled(p) {
		return
	}
	switch {
	case g.m*g.n*g.k < splitSize:
		cgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
	case g.n >= 2*colBlock:
		p.Run(colRanger{g}, (g.n+colWidth(g.n)-1)/colWidth(g.n), 1)
	default:
		p.Run(g, (g.m+rowBlock-1)/rowBlock, 1)
	}
}

// colWidth is the width of the column blocks of a product n wide: half of
// it (rounded up to 64), at least colBlock. Each block repacks op(A), so
// fewer, wider blocks are faster (measured on 2 cores); it depends on n
// alone, never on the workers.
func colWidth(n int) int {
	return max(colBlock, (n/2+63)/64*64)
}

// serial computes the product on the calling goroutine, in the blocks sgemm
// would use.
func (g *gemmArgs) serial() {
	singleThreaded()
	if g.m*g.n*g.k >= splitSize && g.n >= 32 && kernels.TileCols() == 32 {
		own := new(gemmArgs) // as in the default build's serial
		*own = *g
		if own.tiled(nil) {
			return
		}
	}
	switch {
	case g.m*g.n*g.k < splitSize:
		cgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
	case g.n >= 2*colBlock:
		colRanger{g}.Range(0, (g.n+colWidth(g.n)-1)/colWidth(g.n))
	default:
		g.Range(0, (g.m+rowBlock-1)/rowBlock)
	}
}

// Range computes the row blocks [lo, hi) of C.
func (g *gemmArgs) Range(lo, hi int) {
	for blk := lo; blk < hi; blk++ {
		r0 := blk * rowBlock
		rows := min(rowBlock, g.m-r0)
		aOff := r0 * g.lda // rows of A, or columns of Aᵀ
		if g.transA {
			aOff = r0
		}
		cgemm(g.transA, g.transB, rows, g.n, g.k, g.alpha, g.a[aOff:], g.lda, g.b, g.ldb, g.beta, g.c[r0*g.ldc:], g.ldc)
	}
}

// colRanger computes column blocks of C.
type colRanger struct{ g *gemmArgs }

func (cr colRanger) Range(lo, hi int) {
	g := cr.g
	cw := colWidth(g.n)
	for blk := lo; blk < hi; blk++ {
		c0 := blk * cw
		cols := min(cw, g.n-c0)
		bOff := c0 // columns of B, or rows of Bᵀ
		if g.transB {
			bOff = c0 * g.ldb
		}
		cgemm(g.transA, g.transB, g.m, cols, g.k, g.alpha, g.a, g.lda, g.b[bOff:], g.ldb, g.beta, g.c[c0:], g.ldc)
	}
}

func cgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	var pa, pb *float32
	if len(a) > 0 {
		pa = &a[0]
	}
	if len(b) > 0 {
		pb = &b[0]
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(pa), C.blasint(lda), (*C.float)(pb), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
}
