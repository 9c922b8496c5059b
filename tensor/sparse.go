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
// gradient) do a fraction of a dense product's work.
//
// The lists go by pairs of lines (rows, or columns): each pair lists the
// positions where either line is nonzero, with both values, so that a
// product loads the row of B at a position once for two rows of C.
// Where only one of the two is nonzero the other multiplies by 0, which
// adds nothing, as in a dense product (real images' rows, in pairs, list
// 29 % more positions than alone, adjacent columns 10 %; the loads per
// multiply-add halve).
//
// The products first copy B into blocks of 48 columns, each block's rows
// contiguous, reading B row by row (in place, B's rows are often a power
// of two bytes apart: a column block would fall into a few cache sets and
// miss, and reading it block by block defeats the prefetchers). They split
// the blocks over a Pool; a block runs every pair of rows of C against its
// rows in pieces of sparseDepth, which stay in the L1 cache, six
// accumulators of each row of C in registers. Each element of C is summed
// over the listed positions in order, so results do not depend on the
// workers. Set reuses its buffers: after the first call of a size nothing
// allocates.
type Sparse[F Float] struct {
	Rows, Cols int
	nnz        int
	byRow      lists[F] // pairs of rows
	byCol      lists[F] // pairs of columns
	colsBuilt  bool
	packed     []F // B by column blocks: block j's rows, sparseBlock apart, at j·k·sparseBlock
	spare      []F // per column block, two rows of C for an odd last row
	a, aT      []F // A, kept for the column lists, and its transpose
	work       sparseWork[F]
}

// lists holds one list per pair of lines (rows or columns) of A, lines 2i
// and 2i+1 (the second all zero past the last line), pair i's at beg[i],
// cnt[i] long: the positions where either line is nonzero, and both
// lines' values there. The products take each list in pieces by position,
// sparseDepth positions at a time (so that the rows of B they read stay in
// the L1 cache): piece kb of pair i is at partBeg[kb·pairs + i],
// partCnt[…] long, and a position p is stored as the offset of its row
// from the piece's first in a block of packed B, (p − kb·sparseDepth)·sparseBlock.
type lists[F Float] struct {
	lines, pairs, pieces int
	beg, cnt, off        []int32
	nonzeros             []int32 // per pair, both lines
	val0, val1           []F
	partBeg, partCnt     []int32
	zeros                []F // the line past an odd last one
}

// sparseDepth is how many rows of B one piece of a list reads: with 48
// columns, 24 KiB, which stays in the L1 cache. Each piece loads and
// stores C's rows once, so deeper pieces move less of C: with a batch of
// 128 the weight gradient's C (the gradient, megabytes) is read and
// written once (BenchmarkSparse/weightgrad-serial: 0.98 ms against 1.21 ms
// with 64; 256 reads no more of B at a time).
const sparseDepth = 128

// size makes room for n lines of up to length values each, each pair's
// room rounded up to an odd number of cache lines (see oddLines).
func (l *lists[F]) size(n, length int) {
	l.lines, l.pairs, l.pieces = n, (n+1)/2, max((length+sparseDepth-1)/sparseDepth, 1)
	stride := oddLines(length)
	l.beg = grow(l.beg, l.pairs)
	l.cnt = grow(l.cnt, l.pairs)
	l.nonzeros = grow(l.nonzeros, l.pairs)
	l.off = grow(l.off, l.pairs*stride)
	l.val0 = grow(l.val0, l.pairs*stride)
	l.val1 = grow(l.val1, l.pairs*stride)
	l.partBeg = grow(l.partBeg, l.pairs*l.pieces)
	l.partCnt = grow(l.partCnt, l.pairs*l.pieces)
	if len(l.zeros) < length {
		l.zeros = make([]F, length)
	}
	for i := range l.pairs {
		l.beg[i] = int32(i * stride)
	}
}

// fill lists pair i, whose lines are src0 and src1 (nil past the last
// line), piece by piece.
func (l *lists[F]) fill(i int, src0, src1 []F) {
	if src1 == nil {
		src1 = l.zeros[:len(src0)]
	}
	q, nz := int(l.beg[i]), 0
	for kb := range l.pieces {
		k0, k1 := kb*sparseDepth, min((kb+1)*sparseDepth, len(src0))
		n, z := compactPair(l.off[q:q+k1-k0], l.val0[q:q+k1-k0], l.val1[q:q+k1-k0], src0[k0:k1], src1[k0:k1])
		l.partBeg[kb*l.pairs+i], l.partCnt[kb*l.pairs+i] = int32(q), int32(n)
		q, nz = q+n, nz+z
	}
	l.cnt[i], l.nonzeros[i] = int32(q)-l.beg[i], int32(nz)
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
	p.Run(&s.work, s.byRow.pairs, 8)
	s.work = sparseWork[F]{}
	s.nnz = 0
	for _, c := range s.byRow.nonzeros {
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

// Worthwhile tells whether the products that skip zeros beat a dense
// Gemm: what they cost is the positions their lists hold, which pairs of
// rows share, so it asks what fraction of a dense product's positions the
// row lists hold.
func (s *Sparse[F]) Worthwhile() bool {
	listed := 0
	for _, c := range s.byRow.cnt {
		listed += int(c)
	}
	return float64(listed) <= sparseListedMax*float64(s.byRow.pairs*s.Cols)
}

// sparseListedMax is the largest fraction of positions listed at which the
// sparse products beat OpenBLAS's dense ones (gonum's are 2–4× slower
// still). Batch 128, 1296 inputs, 512 outputs, lists and both products:
// image-like inputs, a third lit and 41 % listed, 2.2 ms against 2.9;
// uniformly random ones a third lit, 58 % listed, 2.7 against 3.2; half
// lit, 75 % listed, 4.3 against 3.2 (BenchmarkSparse and like it).
const sparseListedMax = 0.6

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
		p.Run(&s.work, s.byCol.pairs, 32)
		s.colsBuilt = true
	}
	s.product(p, &s.byCol, s.Cols, s.Rows, c, ldc, b, ldb, n)
}

// sparseBlock is the number of B's columns in one block of work: six
// vectors, for each of two rows of C in registers.
const sparseBlock = 48

func (s *Sparse[F]) product(p *Pool, l *lists[F], m, k int, c []F, ldc int, b []F, ldb, n int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	if ldc < n || ldb < n || len(c) < (m-1)*ldc+n || k > 0 && len(b) < (k-1)*ldb+n {
		panic(fmt.Sprintf("tensor: sparse product of %d×%d by %d×%d: C has %d values (stride %d), B %d (stride %d)",
			m, k, k, n, len(c), ldc, len(b), ldb))
	}
	blocks := (n + sparseBlock - 1) / sparseBlock
	s.packed = grow(s.packed, blocks*k*sparseBlock)
	s.spare = grow(s.spare, blocks*2*sparseBlock)
	s.work = sparseWork[F]{s: s, op: pack, l: l, m: m, k: k, c: c, ldc: ldc, b: b, ldb: ldb, n: n}
	p.Run(&s.work, k, 64)
	s.work.op = multiply
	p.Run(&s.work, blocks, 1)
	s.work = sparseWork[F]{}
}

type sparseOp int

const (
	listRows sparseOp = iota
	listCols
	pack
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
		cols := s.Cols
		for i := lo; i < hi; i++ {
			var second []F
			if r := 2*i + 1; r < s.Rows {
				second = s.a[r*cols : (r+1)*cols]
			}
			s.byRow.fill(i, s.a[2*i*cols:(2*i+1)*cols], second)
		}
	case listCols:
		s.listCols(2*lo, min(2*hi, s.Cols))
	case pack:
		for p := lo; p < hi; p++ {
			row := w.b[p*w.ldb : p*w.ldb+w.n]
			for j0 := 0; j0 < w.n; j0 += sparseBlock {
				at := (j0/sparseBlock*w.k + p) * sparseBlock
				copy(s.packed[at:at+sparseBlock], row[j0:min(j0+sparseBlock, w.n)])
			}
		}
	case multiply:
		for blk := lo; blk < hi; blk++ {
			j0 := blk * sparseBlock
			w.multiply(j0, min(j0+sparseBlock, w.n))
		}
	}
}

// compactPair writes, for the positions i where src0 or src1 is nonzero,
// i·sparseBlock to off and both values to val0 and val1, which have room
// for len(src0); it returns the number of such positions and the number of
// nonzeros of both. Whether a value is zero is data, so the float32 loops
// decide it without a branch.
func compactPair[F Float](off []int32, val0, val1, src0, src1 []F) (n, nonzeros int) {
	if s0, ok := any(src0).([]float32); ok {
		s1, v0, v1 := any(src1).([]float32)[:len(s0)], any(val0).([]float32)[:len(s0)], any(val1).([]float32)[:len(s0)]
		off = off[:len(s0)]
		i0 := 0
		if n8 := len(s0) &^ 7; n8 > 0 {
			n, nonzeros = kernels.CompactPair(&off[0], &v0[0], &v1[0], &s0[0], &s1[0], n8, sparseBlock)
			i0 = n8
		}
		for i := i0; i < len(s0); i++ {
			a, b := s0[i], s1[i]
			off[n], v0[n], v1[n] = int32(i*sparseBlock), a, b
			z := int(nonzero(a)) + int(nonzero(b))
			nonzeros += z
			n += min(z, 1)
		}
		return n, nonzeros
	}
	for i, a := range src0 {
		if b := src1[i]; a != 0 || b != 0 || a != a || b != b {
			off[n], val0[n], val1[n] = int32(i*sparseBlock), a, b
			n++
			nonzeros += b2i(a != 0 || a != a) + b2i(b != 0 || b != b)
		}
	}
	return n, nonzeros
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nonzero is 1 unless v is ±0, then 0 (NaN counts as nonzero).
func nonzero(v float32) uint32 {
	b := math.Float32bits(v) << 1
	return (b | -b) >> 31
}

// listCols lists the pairs of columns [k0, k1) of A (k0 even): it copies
// them into rows of Aᵀ, then compacts those.
func (s *Sparse[F]) listCols(k0, k1 int) {
	rows := s.Rows
	ld := oddLines(rows) // Aᵀ's rows, apart so that the copy's many write streams do not share cache sets
	t := s.aT[k0*ld : k1*ld]
	Transpose(t, ld, s.a[k0:], s.Cols, rows, k1-k0)
	for k := k0; k < k1; k += 2 {
		var second []F
		if k+1 < k1 {
			second = t[(k+1-k0)*ld : (k+1-k0)*ld+rows]
		}
		s.byCol.fill(k/2, t[(k-k0)*ld:(k-k0)*ld+rows], second)
	}
}

// multiply adds columns [j0, j1) of every row of the product, one piece
// of the lists at a time, from B's packed copy. An odd last row of C is
// summed in a spare pair of rows.
func (w *sparseWork[F]) multiply(j0, j1 int) {
	l, width := w.l, j1-j0
	blk := j0 / sparseBlock
	block := w.s.packed[blk*w.k*sparseBlock : (blk+1)*w.k*sparseBlock]
	spare := w.s.spare[blk*2*sparseBlock : (blk+1)*2*sparseBlock]
	full := w.m / 2 // pairs of two rows of C
	odd := w.m%2 == 1
	if odd {
		last := w.c[(w.m-1)*w.ldc+j0 : (w.m-1)*w.ldc+j1]
		copy(spare[:width], last)
		clear(spare[sparseBlock : sparseBlock+width])
		defer copy(last, spare[:width])
	}
	vecs := width / 8
	c32, is32 := any(w.c).([]float32)
	if !is32 {
		vecs = 0
	}
	for kb := range l.pieces {
		k0, k1 := kb*sparseDepth, min((kb+1)*sparseDepth, w.k)
		piece := block[k0*sparseBlock : k1*sparseBlock]
		at := kb * l.pairs
		done := 0 // columns summed by the kernel
		if vecs > 0 {
			b, v0, v1 := any(piece).([]float32), any(l.val0).([]float32), any(l.val1).([]float32)
			if full > 0 {
				kernels.SparsePairs(&c32[j0], w.ldc, full, &l.partBeg[at], &l.partCnt[at], &l.off[0], &v0[0], &v1[0], &b[0], vecs)
			}
			if odd {
				sp := any(spare).([]float32)
				kernels.SparsePairs(&sp[0], sparseBlock, 1, &l.partBeg[at+full], &l.partCnt[at+full], &l.off[0], &v0[0], &v1[0], &b[0], vecs)
			}
			done = 8 * vecs
		}
		if done == width {
			continue
		}
		for i := range l.pairs {
			var c0, c1 []F
			if i < full {
				c0 = w.c[2*i*w.ldc+j0+done : 2*i*w.ldc+j1]
				c1 = w.c[(2*i+1)*w.ldc+j0+done : (2*i+1)*w.ldc+j1]
			} else {
				c0, c1 = spare[done:width], spare[sparseBlock+done:sparseBlock+width]
			}
			q0, n := int(l.partBeg[at+i]), int(l.partCnt[at+i])
			for q := q0; q < q0+n; q++ {
				bp := piece[int(l.off[q])+done : int(l.off[q])+width]
				a, b := l.val0[q], l.val1[q]
				for j, v := range bp {
					c0[j] += a * v
					c1[j] += b * v
				}
			}
		}
	}
}
