package tensor

import (
	"fmt"
	"math"

	"github.com/hhnet/hhnet/internal/kernels"
)

// Sparse lists the nonzeros of a row-major rows×cols matrix A, by rows and
// (on demand) by columns, for products that skip A's zeros: A·B and Aᵀ·B.
// The models' inputs are images with about two thirds of their pixels 0,
// so the input layer's products (x·W forward, xᵀ·dy for the weight
// gradient) do a third of a dense product's work.
//
// The products split the columns of B and C into blocks of 64 over a
// Pool; a block runs every row of A against B's rows in pieces of
// sparseDepth, each piece first copied into a buffer that stays in the L1
// cache, eight accumulators of C's row in registers. Each element of C is
// summed over the nonzeros in index order, so results do not depend on
// the workers. Set reuses its buffers: after the first call of a size
// nothing allocates.
type Sparse[F Float] struct {
	Rows, Cols int
	nnz        int
	byRow      lists[F] // row r: columns and values of its nonzeros
	byCol      lists[F] // column k: rows and values of its nonzeros
	colsBuilt  bool
	buf        []F // a piece of B's rows, per column block
	a, aT      []F // A, kept for the column lists, and its transpose
	work       sparseWork[F]
}

// lists holds one list of nonzeros per line (row or column) of A, line i's
// at beg[i], cnt[i] long: the other index and the value. The products
// also take each list in pieces by the other index, sparseDepth values at a
// time (so that the rows of B they read stay in the L1 cache): piece kb
// of line i is at partBeg[kb·lines + i], partCnt[…] long.
type lists[F Float] struct {
	lines, pieces    int
	beg, cnt, idx    []int32
	val              []F
	partBeg, partCnt []int32
}

// sparseDepth is how many rows of B one piece of a list reads: with 64
// columns, 32 KiB (BenchmarkSparse: 64 rows run 10–30 % slower, the whole
// of B from the L2 cache slower still).
const sparseDepth = 128

// size makes room for n lines of up to length values each, each line's
// room rounded up to an odd number of cache lines (see oddLines).
func (l *lists[F]) size(n, length int) {
	l.lines, l.pieces = n, max((length+sparseDepth-1)/sparseDepth, 1)
	stride := oddLines(length)
	l.beg = grow(l.beg, n)
	l.cnt = grow(l.cnt, n)
	l.idx = grow(l.idx, n*stride)
	l.val = grow(l.val, n*stride)
	l.partBeg = grow(l.partBeg, n*l.pieces)
	l.partCnt = grow(l.partCnt, n*l.pieces)
	for i := range n {
		l.beg[i] = int32(i * stride)
	}
}

// fill lists the nonzeros of line i, whose values are src, piece by piece.
func (l *lists[F]) fill(i int, src []F) {
	q := int(l.beg[i])
	for kb := range l.pieces {
		k0, k1 := kb*sparseDepth, min((kb+1)*sparseDepth, len(src))
		n := compact(l.idx[q:q+k1-k0], l.val[q:q+k1-k0], src[k0:k1], k0)
		l.partBeg[kb*l.lines+i], l.partCnt[kb*l.lines+i] = int32(q), int32(n)
		q += n
	}
	l.cnt[i] = int32(q) - l.beg[i]
}

// oddLines is the room for n values rounded up to an odd number of 64-byte
// cache lines (of float32s; float64 rows take twice as many lines): rows
// a power of two bytes apart would share a few cache sets when many are
// written at once, as a transposition does.
func oddLines(n int) int {
	return ((n+15)/16 | 1) * 16
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Set lists the nonzeros of a (rows×cols, row-major), splitting the rows
// over p. It panics if a is shorter than rows·cols or the matrix has more
// than 2³¹ values.
func (s *Sparse[F]) Set(p *Pool, a []F, rows, cols int) {
	if rows < 0 || cols < 0 || len(a) < rows*cols || rows*cols > math.MaxInt32 {
		panic(fmt.Sprintf("tensor: Sparse.Set of %d×%d from %d values", rows, cols, len(a)))
	}
	s.Rows, s.Cols, s.colsBuilt = rows, cols, false
	s.byRow.size(rows, cols)
	s.work = sparseWork[F]{s: s, op: listRows}
	s.a = a[:rows*cols]
	p.Run(&s.work, rows, 16)
	s.work = sparseWork[F]{}
	s.nnz = 0
	for _, c := range s.byRow.cnt {
		s.nnz += int(c)
	}
}

// Density is the fraction of A's values that are not zero.
func (s *Sparse[F]) Density() float64 {
	if s.Rows*s.Cols == 0 {
		return 0
	}
	return float64(s.nnz) / float64(s.Rows*s.Cols)
}

// Worthwhile tells whether, at A's density, the products that skip zeros
// beat a dense Gemm.
func (s *Sparse[F]) Worthwhile() bool {
	return s.Density() <= sparseDensityMax
}

// sparseDensityMax is the largest fraction of nonzero values at which the
// sparse products are worth their lists (BenchmarkSparse, batch 128, 1296
// inputs, a third of them lit: with 512 outputs 2.7 ms for lists and both
// products against 3.1–3.6 ms for OpenBLAS's dense ones, with 2048 outputs
// 12.2 against 13.7 ms; gonum's dense products are 2–4× slower still).
const sparseDensityMax = 0.5

// MulAdd adds A·B to C, with B cols×n (rows ldb apart) and C rows×n (rows
// ldc apart). It panics on slices too short for their shapes.
func (s *Sparse[F]) MulAdd(p *Pool, c []F, ldc int, b []F, ldb, n int) {
	s.product(p, &s.byRow, s.Rows, s.Cols, c, ldc, b, ldb, n)
}

// TMulAdd adds Aᵀ·B to C, with B rows×n (rows ldb apart) and C cols×n
// (rows ldc apart). The first call after Set lists A's nonzeros by column
// from the matrix given to Set, which must not have changed since. It
// panics on slices too short for their shapes.
func (s *Sparse[F]) TMulAdd(p *Pool, c []F, ldc int, b []F, ldb, n int) {
	if !s.colsBuilt {
		s.byCol.size(s.Cols, s.Rows)
		s.aT = grow(s.aT, oddLines(s.Rows)*s.Cols)
		s.work = sparseWork[F]{s: s, op: listCols}
		p.Run(&s.work, s.Cols, sparseBlock)
		s.colsBuilt = true
	}
	s.product(p, &s.byCol, s.Cols, s.Rows, c, ldc, b, ldb, n)
}

// sparseBlock is the number of B's columns in one block of work: eight
// vectors, all in registers.
const sparseBlock = 64

func (s *Sparse[F]) product(p *Pool, l *lists[F], m, k int, c []F, ldc int, b []F, ldb, n int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	if ldc < n || ldb < n || len(c) < (m-1)*ldc+n || k > 0 && len(b) < (k-1)*ldb+n {
		panic(fmt.Sprintf("tensor: sparse product of %d×%d by %d×%d: C has %d values (stride %d), B %d (stride %d)",
			m, k, k, n, len(c), ldc, len(b), ldb))
	}
	s.buf = grow(s.buf, (n+sparseBlock-1)/sparseBlock*sparseDepth*sparseBlock)
	s.work = sparseWork[F]{s: s, op: multiply, l: l, m: m, k: k, c: c, ldc: ldc, b: b, ldb: ldb, n: n}
	p.Run(&s.work, (n+sparseBlock-1)/sparseBlock, 1)
	s.work = sparseWork[F]{}
}

type sparseOp int

const (
	listRows sparseOp = iota
	listCols
	multiply
)

// sparseWork is one split job of a Sparse, kept in it so that handing it
// to the pool allocates nothing.
type sparseWork[F Float] struct {
	s      *Sparse[F]
	op     sparseOp
	l      *lists[F]
	m, k   int
	c, b   []F
	ldc    int
	ldb, n int
}

func (w *sparseWork[F]) Range(lo, hi int) {
	s := w.s
	switch w.op {
	case listRows:
		for r := lo; r < hi; r++ {
			s.byRow.fill(r, s.a[r*s.Cols:(r+1)*s.Cols])
		}
	case listCols:
		s.listCols(lo, hi)
	case multiply:
		for blk := lo; blk < hi; blk++ {
			j0 := blk * sparseBlock
			w.multiply(j0, min(j0+sparseBlock, w.n))
		}
	}
}

// compact writes the positions (+ base) and values of src's nonzeros to
// idx and val, which have room for len(src), and returns their number.
// Whether a value is zero is data, so the float32 loops decide it without
// a branch.
func compact[F Float](idx []int32, val []F, src []F, base int) int {
	n := 0
	if s32, ok := any(src).([]float32); ok {
		v32 := any(val).([]float32)
		idx, v32 = idx[:len(s32)], v32[:len(s32)]
		i0 := 0
		if n8 := len(s32) &^ 7; n8 > 0 && kernels.Has() {
			n, i0 = kernels.CompactAVX2(&idx[0], &v32[0], &s32[0], n8, base), n8
		}
		for i := i0; i < len(s32); i++ {
			v := s32[i]
			idx[n], v32[n] = int32(base+i), v
			n += int(nonzero(v))
		}
		return n
	}
	for i, v := range src {
		if v != 0 {
			idx[n], val[n] = int32(base+i), v
			n++
		}
	}
	return n
}

// nonzero is 1 unless v is ±0, then 0 (NaN counts as nonzero).
func nonzero(v float32) uint32 {
	b := math.Float32bits(v) << 1
	return (b | -b) >> 31
}

// listCols lists the nonzeros of columns [k0, k1) of A: it copies them
// into rows of Aᵀ, then compacts those.
func (s *Sparse[F]) listCols(k0, k1 int) {
	rows := s.Rows
	ld := oddLines(rows) // Aᵀ's rows, apart so that the copy's many write streams do not share cache sets
	t := s.aT[k0*ld : k1*ld]
	Transpose(t, ld, s.a[k0:], s.Cols, rows, k1-k0)
	for k := k0; k < k1; k++ {
		s.byCol.fill(k, t[(k-k0)*ld:(k-k0)*ld+rows])
	}
}

// multiply adds columns [j0, j1) of every row of the product, one piece
// of the lists at a time. It first copies the piece's rows of B, those
// columns, into a small contiguous buffer, which stays in the L1 cache:
// in place, B's rows are often a power of two bytes apart, and a column
// block would fall into a few cache sets and miss.
func (w *sparseWork[F]) multiply(j0, j1 int) {
	l, width := w.l, j1-j0
	blk := j0 / sparseBlock
	buf := w.s.buf[blk*sparseDepth*sparseBlock : (blk+1)*sparseDepth*sparseBlock]
	vecs := width / 8
	if !kernels.Has() {
		vecs = 0
	}
	c32, is32 := any(w.c).([]float32)
	for kb := range l.pieces {
		k0, k1 := kb*sparseDepth, min((kb+1)*sparseDepth, w.k)
		for p := k0; p < k1; p++ {
			copy(buf[(p-k0)*width:(p-k0+1)*width], w.b[p*w.ldb+j0:p*w.ldb+j1])
		}
		at := kb * l.lines
		done := 0 // columns summed by the kernel
		if is32 && vecs > 0 {
			b, v := any(buf).([]float32), any(l.val).([]float32)
			kernels.SparseRowsAVX2(&c32[j0], w.ldc, w.m, &l.partBeg[at], &l.partCnt[at], &l.idx[0], &v[0], &b[0], width, vecs, k0)
			done = 8 * vecs
		}
		if done == width {
			continue
		}
		for i := range w.m {
			ci := w.c[i*w.ldc+j0+done : i*w.ldc+j1]
			q0, n := int(l.partBeg[at+i]), int(l.partCnt[at+i])
			for q, p := range l.idx[q0 : q0+n] {
				bp := buf[(int(p)-k0)*width+done : (int(p)-k0+1)*width]
				v := l.val[q0+q]
				for j := range ci {
					ci[j] += v * bp[j]
				}
			}
		}
	}
}
