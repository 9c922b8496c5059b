package tensor

import (
	"math"

	"github.com/hhnet/hhnet/internal/kernels"
)

// tileRows is the height of kernels.GemmTile's register tile, and
// chunkRows the rows of C per block of work (eight tiles).
const (
	tileRows  = 6
	chunkRows = 8 * tileRows
)

// backendState is what a Pool keeps for its tiled products (in either
// build): the packed panels and the work, so that they allocate nothing.
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
// nonzero it returns false: the zero-skipping rows are faster there.
// The tiles read A and B where they lie when they can; what they cannot
// is packed first: alpha·op(A) when alpha ≠ 1, else only a last panel of
// fewer than six rows (padded with zero rows), and op(B)'s panels of
// tile-wide columns when B is transposed, else only a last, narrower one
// (padded with zero columns). Each block of work scales its part of C by
// beta, then adds its tiles' products. Every element of C is its old value plus one sum over k in
// order, whichever block holds it, so the bits do not depend on the
// workers, nor on what was packed.
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
	w := packWork{g: g, cols: cols, rowTiles: rowTiles, panels: panels}
	switch {
	case g.alpha != 1:
		w.packA = rowTiles
	case g.m%tileRows != 0:
		w.packA, w.firstA = 1, rowTiles-1
	}
	switch {
	case g.transB:
		w.packB = panels
	case g.n%cols != 0:
		w.packB, w.firstB = 1, panels-1
	}
	s.a = grow(s.a, w.packA*tileRows*g.k)
	s.b = grow(s.b, w.packB*cols*g.k)
	w.a, w.b = s.a, s.b
	if w.packA+w.packB > 0 {
		s.pack = w
		p.Run(&s.pack, w.packA+w.packB, 1)
	}
	chunks := (g.m + chunkRows - 1) / chunkRows
	s.mul = tileWork{pack: w, chunks: chunks}
	p.Run(&s.mul, chunks*panels, 1)
	s.pack, s.mul = packWork{}, tileWork{} // drop the references
	return true
}

// denseA tells whether at least a third of op(A)'s entries are nonzero
// (NaNs count), reading no further than it must. Of an A of 64 rows or
// more (as stored) it reads every eighth row only: the choice only picks
// the faster path, and a full count cost a fifth of a read-out's product.
// The count has no branch: on spike maps, half zeros, a branch per entry
// mispredicted so often that the count cost a tenth of the product.
func (g *gemmArgs) denseA() bool {
	rows, cols := g.m, g.k
	if g.transA {
		rows, cols = g.k, g.m
	}
	step := 1
	if rows >= 64 {
		step = 8
	}
	sampled := (rows + step - 1) / step
	need, left := (sampled*cols+2)/3, sampled*cols
	for i := 0; i < rows; i += step {
		nonzero := 0
		for _, v := range g.a[i*g.lda : i*g.lda+cols] {
			x := math.Float32bits(v) << 1 // ±0 → 0
			nonzero += int((x | -x) >> 31)
		}
		need -= nonzero
		if left -= cols; need <= 0 || need > left {
			return need <= 0
		}
	}
	return need <= 0
}

// packWork packs what a tiled product cannot read in place: A's row
// panels firstA … firstA+packA−1, six rows each, p-major (a[(t·k + p)·6 +
// r] for the t-th packed one, alpha·op(A), rows past m zero), and B's
// column panels firstB … firstB+packB−1 (b[(q·k + p)·cols + j], columns
// past n zero). Its blocks are the A panels, then the B panels.
type packWork struct {
	g                      *gemmArgs
	a, b                   []float32
	cols, rowTiles, panels int
	firstA, packA          int
	firstB, packB          int
}

func (w *packWork) Range(lo, hi int) {
	g, k := w.g, w.g.k
	for blk := lo; blk < hi; blk++ {
		if blk < w.packA {
			w.packPanelA(blk)
			continue
		}
		q := blk - w.packA
		j0 := (w.firstB + q) * w.cols
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

// packPanelA packs A's t-th packed panel, reading op(A) along its rows in
// memory.
func (w *packWork) packPanelA(t int) {
	g, k := w.g, w.g.k
	panel := w.a[t*k*tileRows : (t+1)*k*tileRows]
	i0 := (w.firstA + t) * tileRows
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

// operandA returns where row panel t of op(A) lies and its strides: the
// packed copy if there is one, else A itself.
func (w *packWork) operandA(t int) (a *float32, ar, ak int) {
	if t >= w.firstA && t < w.firstA+w.packA {
		return &w.a[(t-w.firstA)*w.g.k*tileRows], 1, tileRows
	}
	g := w.g
	if g.transA {
		return &g.a[t*tileRows], 1, g.lda
	}
	return &g.a[t*tileRows*g.lda], g.lda, 1
}

// operandB returns where column panel q of op(B) lies and its row stride.
func (w *packWork) operandB(q int) (b *float32, ldb int) {
	if q >= w.firstB && q < w.firstB+w.packB {
		return &w.b[(q-w.firstB)*w.g.k*w.cols], w.cols
	}
	return &w.g.b[q*w.cols], w.g.ldb
}

// tileWork adds the product to C in blocks of up to 48 rows by one panel
// of columns, panel-major, so that consecutive blocks share B's panel.
type tileWork struct {
	pack   packWork
	chunks int
}

func (w *tileWork) Range(lo, hi int) {
	o := &w.pack
	g := o.g
	for blk := lo; blk < hi; blk++ {
		q, chunk := blk/w.chunks, blk%w.chunks
		j0 := q * o.cols
		cols := min(o.cols, g.n-j0)
		bp, ldb := o.operandB(q)
		if g.beta != 1 {
			// This block's part of C times beta, while the block has it in cache.
			for i := chunk * chunkRows; i < min((chunk+1)*chunkRows, g.m); i++ {
				ci := g.c[i*g.ldc+j0 : i*g.ldc+j0+cols]
				if g.beta == 0 {
					clear(ci)
					continue
				}
				for j := range ci {
					ci[j] *= g.beta
				}
			}
		}
		for i0 := chunk * chunkRows; i0 < min((chunk+1)*chunkRows, g.m); i0 += tileRows {
			ap, ar, ak := o.operandA(i0 / tileRows)
			rows := min(tileRows, g.m-i0)
			if rows == tileRows && cols == o.cols {
				w.tile(&g.c[i0*g.ldc+j0], g.ldc, ap, ar, ak, bp, ldb)
				continue
			}
			// An edge tile: the whole tile into a zeroed one, its part to C.
			var edge [tileRows * 32]float32
			w.tile(&edge[0], o.cols, ap, ar, ak, bp, ldb)
			for r := 0; r < rows; r++ {
				ci := g.c[(i0+r)*g.ldc+j0 : (i0+r)*g.ldc+j0+cols]
				for j := range ci {
					ci[j] += edge[r*o.cols+j]
				}
			}
		}
	}
}

// tile calls the kernel of the panels' width. (A direct call: through a
// function value the edge tile would escape to the heap.)
func (w *tileWork) tile(c *float32, ldc int, a *float32, ar, ak int, b *float32, ldb int) {
	if w.pack.cols == 32 {
		kernels.GemmTile32(c, ldc, a, ar, ak, b, ldb, w.pack.g.k)
		return
	}
	kernels.GemmTile(c, ldc, a, ar, ak, b, ldb, w.pack.g.k)
}
