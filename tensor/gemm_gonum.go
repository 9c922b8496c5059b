//go:build !openblas

package tensor

import (
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/hhnet/hhnet/internal/kernels"
)

// Backend names the float32 GEMM back end of this build.
const Backend = "gonum"

// rowBlock is the fixed number of rows of C in one block of work.
const rowBlock = 16

// sgemm is the back end without cgo. Large products with a dense op(A)
// run on packed panels and the register tiles of package kernels (see
// tiled; 3–4× the rows below on dense data). The others use gonum's
// vectorised Saxpy and Sdot: with op(B) = B, row by row as sums of rows
// of B scaled by the entries of A, skipping A's zeros (images and spike
// maps are mostly zeros); with op(B) = Bᵀ, a dot product per element.
// Each element of C is summed in a fixed order within one block, so
// results do not depend on the workers, and with a pool nothing
// allocates.
func sgemm(p *Pool, g *gemmArgs) {
	if g.m*g.n*g.k < 1<<18 {
		g.Range(0, g.m)
		return
	}
	if g.tiled(p) {
		return
	}
	p.Run(g, g.m, rowBlock)
}

// serial computes the product on the calling goroutine, in the blocks sgemm
// would use.
func (g *gemmArgs) serial() {
	if g.m*g.n*g.k >= 1<<18 {
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

// tileRows is the height of kernels.GemmTile's register tile, and
// chunkRows the rows of C per block of work (eight tiles).
const (
	tileRows  = 6
	chunkRows = 8 * tileRows
)

// backendState is what a Pool keeps for this back end: the packed panels
// of its tiled products, so that they allocate nothing.
type backendState struct{ scratch gemmScratch }

// gemmScratch holds a tiled product's packed panels and its work.
type gemmScratch struct {
	a, b []float32
	pack packWork
	mul  tileWork
}

// tiled computes a dense product on the register tiles of package
// kernels (6 × 32 with AVX-512, 6 × 16 without: the same bits) and
// reports whether it did. When fewer than a third of op(A)'s entries are
// nonzero it returns false: the zero-skipping rows are faster there. It
// packs alpha·op(A) into panels of six rows and op(B) into panels of
// tile-wide columns, then adds each tile's product to C (times beta).
// Every element of C is its old value plus one sum over k in order,
// whichever block holds it, so the bits do not depend on the workers.
func (g *gemmArgs) tiled(p *Pool) bool {
	if !g.denseA() {
		return false
	}
	var s *gemmScratch
	if p != nil {
		s = &p.scratch
	} else {
		s = new(gemmScratch)
	}
	cols := kernels.TileCols()
	rowTiles, panels := (g.m+tileRows-1)/tileRows, (g.n+cols-1)/cols
	s.a = grow(s.a, rowTiles*tileRows*g.k)
	s.b = grow(s.b, panels*cols*g.k)
	s.pack = packWork{g: g, a: s.a, b: s.b, cols: cols, rowTiles: rowTiles}
	p.Run(&s.pack, rowTiles+panels, 1)
	g.scaleC()
	chunks := (g.m + chunkRows - 1) / chunkRows
	s.mul = tileWork{g: g, a: s.a, b: s.b, cols: cols, chunks: chunks}
	p.Run(&s.mul, chunks*panels, 1)
	s.pack, s.mul = packWork{}, tileWork{} // drop the references
	return true
}

// denseA tells whether at least a third of op(A)'s entries are nonzero
// (NaNs count), reading no further than it must.
func (g *gemmArgs) denseA() bool {
	rows, cols := g.m, g.k
	if g.transA {
		rows, cols = g.k, g.m
	}
	need, left := (rows*cols+2)/3, rows*cols
	for i := 0; i < rows; i++ {
		for _, v := range g.a[i*g.lda : i*g.lda+cols] {
			if v != 0 {
				need--
			}
		}
		if left -= cols; need <= 0 || need > left {
			return need <= 0
		}
	}
	return need <= 0
}

// packWork packs the panels of a tiled product: blocks below rowTiles
// are A's panels of six rows, p-major (a[(t·k + p)·6 + r], alpha·op(A),
// rows past m zero); the others B's panels of cols columns
// (b[(q·k + p)·cols + j], columns past n zero).
type packWork struct {
	g              *gemmArgs
	a, b           []float32
	cols, rowTiles int
}

func (w *packWork) Range(lo, hi int) {
	g, k := w.g, w.g.k
	for blk := lo; blk < hi; blk++ {
		if blk < w.rowTiles {
			w.packA(blk)
			continue
		}
		q := blk - w.rowTiles
		j0 := q * w.cols
		cols := min(w.cols, g.n-j0)
		panel := w.b[q*k*w.cols : (q+1)*k*w.cols]
		if g.transB {
			// Rows j0… of B are the panel's columns: 8 × 8 blocks in registers.
			Transpose(panel, w.cols, g.b[j0*g.ldb:], g.ldb, cols, k)
		}
		for p := 0; p < k; p++ {
			row := panel[p*w.cols : (p+1)*w.cols]
			if !g.transB {
				copy(row, g.b[p*g.ldb+j0:p*g.ldb+j0+cols])
			}
			clear(row[cols:])
		}
	}
}

// scaleC multiplies C by beta (sets it to zero for beta = 0).
func (g *gemmArgs) scaleC() {
	if g.beta == 1 {
		return
	}
	for i := 0; i < g.m; i++ {
		ci := g.c[i*g.ldc : i*g.ldc+g.n]
		if g.beta == 0 {
			clear(ci)
			continue
		}
		for j := range ci {
			ci[j] *= g.beta
		}
	}
}

// tileWork adds the packed product to C in blocks of up to 48 rows by one
// panel of columns, panel-major, so that consecutive blocks share B's
// panel.
type tileWork struct {
	g            *gemmArgs
	a, b         []float32
	cols, chunks int
}

func (w *tileWork) Range(lo, hi int) {
	g, k := w.g, w.g.k
	for blk := lo; blk < hi; blk++ {
		q, chunk := blk/w.chunks, blk%w.chunks
		j0 := q * w.cols
		cols := min(w.cols, g.n-j0)
		bp := &w.b[q*k*w.cols]
		for i0 := chunk * chunkRows; i0 < min((chunk+1)*chunkRows, g.m); i0 += tileRows {
			ap := &w.a[i0*k]
			rows := min(tileRows, g.m-i0)
			if rows == tileRows && cols == w.cols {
				w.tile(&g.c[i0*g.ldc+j0], g.ldc, ap, bp)
				continue
			}
			// An edge tile: the whole tile into a zeroed one, its part to C.
			var edge [tileRows * 32]float32
			w.tile(&edge[0], w.cols, ap, bp)
			for r := 0; r < rows; r++ {
				ci := g.c[(i0+r)*g.ldc+j0 : (i0+r)*g.ldc+j0+cols]
				for j := range ci {
					ci[j] += edge[r*w.cols+j]
				}
			}
		}
	}
}

// tile calls the kernel of the panels' width. (A direct call: through a
// function value the edge tile would escape to the heap.)
func (w *tileWork) tile(c *float32, ldc int, a, b *float32) {
	if w.cols == 32 {
		kernels.GemmTile32(c, ldc, a, b, w.g.k)
		return
	}
	kernels.GemmTile(c, ldc, a, b, w.g.k)
}

// packA packs A's panel t, reading op(A) along its rows in memory.
func (w *packWork) packA(t int) {
	g, k := w.g, w.g.k
	panel := w.a[t*k*tileRows : (t+1)*k*tileRows]
	i0 := t * tileRows
	rows := min(tileRows, g.m-i0)
	if rows < tileRows {
		clear(panel)
	}
	if g.transA {
		// Row p of A holds the panel's entries for p side by side.
		for p := 0; p < k; p++ {
			src, dst := g.a[p*g.lda+i0:p*g.lda+i0+rows], panel[p*tileRows:p*tileRows+rows]
			for r, v := range src {
				dst[r] = g.alpha * v
			}
		}
		return
	}
	for r := 0; r < rows; r++ {
		for p, v := range g.a[(i0+r)*g.lda : (i0+r)*g.lda+k] {
			panel[p*tileRows+r] = g.alpha * v
		}
	}
}
