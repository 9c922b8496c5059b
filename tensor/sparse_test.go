package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/internal/imagelike"
)

// randSparse returns a rows×cols matrix with about density of its values
// nonzero, and some rows and columns all zero.
func randSparse[F Float](rng *rand.Rand, rows, cols int, density float64) []F {
	a := make([]F, rows*cols)
	for r := range rows {
		if r%5 == 3 {
			continue // an empty row
		}
		for c := range cols {
			if c%7 != 2 && rng.Float64() < density {
				a[r*cols+c] = F(rng.Float64()*2 - 1)
			}
		}
	}
	return a
}

func randDense[F Float](rng *rand.Rand, n int) []F {
	x := make([]F, n)
	for i := range x {
		x[i] = F(rng.Float64()*2 - 1)
	}
	return x
}

// naiveMul returns C0 + op(A)·B in float64, op(A) = A (m×k) or Aᵀ.
func naiveMul[F Float](trans bool, rows, cols, n int, a, b []F, ldb int, c0 []F, ldc int) []float64 {
	m, k := rows, cols
	if trans {
		m, k = cols, rows
	}
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			s := float64(c0[i*ldc+j])
			for p := range k {
				var av F
				if trans {
					av = a[p*cols+i]
				} else {
					av = a[i*cols+p]
				}
				s += float64(av) * float64(b[p*ldb+j])
			}
			out[i*n+j] = s
		}
	}
	return out
}

func testSparseProducts[F Float](t *testing.T, tol float64) {
	rng := rand.New(rand.NewPCG(3, 4))
	pool := NewPool(3)
	defer pool.Close()
	for _, tc := range []struct {
		rows, cols, n int
		density       float64
	}{
		{1, 1, 1, 1}, {5, 9, 8, 0.5}, {7, 13, 3, 0.4}, {16, 40, 64, 0.35},
		{33, 70, 130, 0.3}, {20, 50, 517, 0.2}, {9, 11, 72, 1}, {6, 8, 24, 0},
		{0, 5, 8, 0.5}, {4, 0, 8, 0.5}, {9, 300, 72, 0.3}, {300, 5, 19, 0.3},
		{10, 200, 88, 0.4}, {131, 9, 40, 0.5},
	} {
		a := randSparse[F](rng, tc.rows, tc.cols, tc.density)
		for _, trans := range []bool{false, true} {
			m, k := tc.rows, tc.cols
			if trans {
				m, k = tc.cols, tc.rows
			}
			ldb, ldc := tc.n+3, tc.n+1
			b := randDense[F](rng, max(k*ldb, 1))
			c0 := randDense[F](rng, max(m*ldc, 1))
			want := naiveMul(trans, tc.rows, tc.cols, tc.n, a, b, ldb, c0, ldc)
			var first []F
			for _, p := range []*Pool{nil, pool} {
				var s Sparse[F]
				s.Set(p, a, tc.rows, tc.cols)
				c := append([]F(nil), c0...)
				if trans {
					s.TMulAdd(p, c, ldc, b, ldb, tc.n)
				} else {
					s.MulAdd(p, c, ldc, b, ldb, tc.n)
				}
				for i := range m {
					for j := range tc.n {
						got, w := float64(c[i*ldc+j]), want[i*tc.n+j]
						if math.Abs(got-w) > tol*(1+math.Abs(w)) {
							t.Fatalf("%+v trans %v: C[%d,%d] = %v, want %v", tc, trans, i, j, got, w)
						}
					}
					// The padding between rows is not touched.
					for j := tc.n; j < ldc && i*ldc+j < len(c); j++ {
						if c[i*ldc+j] != c0[i*ldc+j] {
							t.Fatalf("%+v trans %v: padding C[%d,%d] changed", tc, trans, i, j)
						}
					}
				}
				if first == nil {
					first = c
				} else {
					for i := range c {
						if math.Float64bits(float64(c[i])) != math.Float64bits(float64(first[i])) {
							t.Fatalf("%+v trans %v: the pool changed C[%d]: %v vs %v", tc, trans, i, c[i], first[i])
						}
					}
				}
			}
		}
	}
}

func TestSparseProducts(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testSparseProducts[float32](t, 1e-5) })
	t.Run("float64", func(t *testing.T) { testSparseProducts[float64](t, 1e-12) })
}

func TestSparseDensity(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	a := []float32{0, 1, negZero, nan, 0, -2}
	var s Sparse[float32]
	s.Set(nil, a, 2, 3)
	if got := s.Density(); got != 0.5 {
		t.Errorf("density of %v = %v, want 0.5 (−0 is zero, NaN is not)", a, got)
	}
	c := make([]float32, 2)
	s.MulAdd(nil, c, 1, []float32{1, 1, 1}, 1, 1)
	if c[0] != 1 || !math.IsNaN(float64(c[1])) {
		t.Errorf("A·1 = %v, want [1 NaN]", c)
	}
	// The column lists see the same nonzeros.
	ct := make([]float32, 3)
	s.TMulAdd(nil, ct, 1, []float32{1, 1}, 1, 1)
	if !math.IsNaN(float64(ct[0])) || ct[1] != 1 || ct[2] != -2 {
		t.Errorf("Aᵀ·1 = %v, want [NaN 1 −2]", ct)
	}
	var e Sparse[float32]
	e.Set(nil, nil, 0, 0)
	if e.Density() != 0 {
		t.Errorf("empty density = %v", e.Density())
	}
}

// TestSparseLists: each pair of lines lists exactly the positions where
// either line is nonzero (−0 is zero, NaN and the smallest subnormal are
// not), in order, with both values, by rows and by columns, over lines long
// enough for the vector kernels and their tails, an odd last line paired
// with zeros; the pieces cover the lists, and Density counts the nonzeros.
func TestSparseLists(t *testing.T) {
	const rows, cols = 11, 301
	nan, negZero := float32(math.NaN()), float32(math.Copysign(0, -1))
	tiny := math.Float32frombits(1)
	a := make([]float32, rows*cols)
	nonzeros := 0
	for i := range a {
		switch i % 7 {
		case 1:
			a[i] = float32(i)
		case 3:
			a[i] = negZero
		case 4:
			if i%3 == 0 {
				a[i] = nan
			}
		case 5:
			if i%4 == 0 {
				a[i] = tiny
			}
		}
		if a[i] != 0 || math.IsNaN(float64(a[i])) {
			nonzeros++
		}
	}
	var s Sparse[float32]
	s.Set(nil, a, rows, cols)
	if got, want := s.Density(), float64(nonzeros)/float64(rows*cols); got != want {
		t.Errorf("density %v, want %v", got, want)
	}
	s.TMulAdd(nil, make([]float32, cols), 1, make([]float32, rows), 1, 1) // lists the columns
	same := func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) }
	check := func(name string, l *lists[float32], lines, length int, at func(line, j int) float32) {
		if l.pairs != (lines+1)/2 {
			t.Fatalf("%s: %d pairs of %d lines", name, l.pairs, lines)
		}
		value := func(line, j int) float32 {
			if line >= lines {
				return 0
			}
			return at(line, j)
		}
		for i := range l.pairs {
			var want []int
			for j := range length {
				a, b := value(2*i, j), value(2*i+1, j)
				if a != 0 || b != 0 || math.IsNaN(float64(a)) || math.IsNaN(float64(b)) {
					want = append(want, j)
				}
			}
			if int(l.cnt[i]) != len(want) {
				t.Fatalf("%s pair %d: %d positions, want %d", name, i, l.cnt[i], len(want))
			}
			// The pieces cover the list in order; offsets are rows of a piece.
			q := l.beg[i]
			for kb := range l.pieces {
				if l.partBeg[kb*l.pairs+i] != q {
					t.Fatalf("%s pair %d: piece %d starts at %d, want %d", name, i, kb, l.partBeg[kb*l.pairs+i], q)
				}
				for range l.partCnt[kb*l.pairs+i] {
					k := int(q - l.beg[i])
					j := kb*sparseDepth + int(l.off[q])/sparseBlock
					if j != want[k] || int(l.off[q])%sparseBlock != 0 {
						t.Fatalf("%s pair %d: position %d is %d (offset %d), want %d", name, i, k, j, l.off[q], want[k])
					}
					if !same(l.val0[q], value(2*i, j)) || !same(l.val1[q], value(2*i+1, j)) {
						t.Fatalf("%s pair %d at %d: values %v, %v, want %v, %v", name, i, j, l.val0[q], l.val1[q], value(2*i, j), value(2*i+1, j))
					}
					q++
				}
			}
			if q != l.beg[i]+l.cnt[i] {
				t.Fatalf("%s pair %d: pieces hold %d values, the list %d", name, i, q-l.beg[i], l.cnt[i])
			}
		}
	}
	check("row", &s.byRow, rows, cols, func(r, c int) float32 { return a[r*cols+c] })
	check("column", &s.byCol, cols, rows, func(c, r int) float32 { return a[r*cols+c] })
}

func TestSparseBadShapes(t *testing.T) {
	var s Sparse[float32]
	mustPanic(t, "short A", func() { s.Set(nil, make([]float32, 5), 2, 3) })
	s.Set(nil, make([]float32, 6), 2, 3)
	mustPanic(t, "short C", func() { s.MulAdd(nil, make([]float32, 7), 4, make([]float32, 12), 4, 4) })
	mustPanic(t, "short B", func() { s.MulAdd(nil, make([]float32, 8), 4, make([]float32, 11), 4, 4) })
	mustPanic(t, "short Bᵀ", func() { s.TMulAdd(nil, make([]float32, 12), 4, make([]float32, 7), 4, 4) })
	mustPanic(t, "stride", func() { s.MulAdd(nil, make([]float32, 8), 3, make([]float32, 12), 4, 4) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

// BenchmarkSparse compares the input layer's products at batch 128 (an
// image-like input of 1296 pixels, a third of them lit, to 512 neurons)
// with the dense GEMM of this build.
func BenchmarkSparse(b *testing.B) {
	const batch, in, out = 128, 1296, 512
	rng := rand.New(rand.NewPCG(1, 2))
	x, _ := imagelike.Batch(batch)
	w := randDense[float32](rng, in*out)
	y := make([]float32, batch*out)
	dy := randDense[float32](rng, batch*out)
	dw := make([]float32, in*out)
	pool := NewPool(0)
	defer pool.Close()
	var s Sparse[float32]
	b.Run("set", func(b *testing.B) {
		for b.Loop() {
			s.Set(pool, x, batch, in)
		}
	})
	b.Run("forward", func(b *testing.B) {
		s.Set(pool, x, batch, in)
		for b.Loop() {
			s.MulAdd(pool, y, out, w, out, out)
		}
	})
	b.Run("set+cols", func(b *testing.B) {
		for b.Loop() {
			s.Set(pool, x, batch, in)
			s.TMulAdd(pool, dw, out, dy, out, 0)
		}
	})
	b.Run("weightgrad", func(b *testing.B) {
		s.Set(pool, x, batch, in)
		for b.Loop() {
			s.TMulAdd(pool, dw, out, dy, out, out)
		}
	})
	b.Run("forward-serial", func(b *testing.B) {
		s.Set(pool, x, batch, in)
		for b.Loop() {
			s.MulAdd(nil, y, out, w, out, out)
		}
	})
	b.Run("weightgrad-serial", func(b *testing.B) {
		s.Set(pool, x, batch, in)
		for b.Loop() {
			s.TMulAdd(nil, dw, out, dy, out, out)
		}
	})
	b.Run("dense-forward", func(b *testing.B) {
		for b.Loop() {
			Gemm(pool, false, false, batch, out, in, 1, x, in, w, out, 1, y, out)
		}
	})
	b.Run("dense-weightgrad", func(b *testing.B) {
		for b.Loop() {
			Gemm(pool, true, false, in, out, batch, 1, x, in, dy, out, 1, dw, out)
		}
	})
}

// TestSparseWorthwhile: the choice follows the positions the pairs of rows
// list, not the density alone: two rows half lit at the same places list
// half the positions (worth it), two rows 35 % lit at different places 70 %
// (not), and an empty matrix is.
func TestSparseWorthwhile(t *testing.T) {
	const cols = 100
	a := make([]float32, 4*cols)
	for c := range cols {
		if c%2 == 0 { // rows 0 and 1: the same half
			a[c], a[cols+c] = 1, 2
		}
		if c < 35 { // rows 2 and 3: different 35 %
			a[2*cols+c] = 1
		} else if c < 70 {
			a[3*cols+c] = 1
		}
	}
	for _, tc := range []struct {
		rows int
		from int
		want bool
	}{{2, 0, true}, {2, 2 * cols, false}, {0, 0, true}} {
		var s Sparse[float32]
		s.Set(nil, a[tc.from:], tc.rows, cols)
		if got := s.Worthwhile(); got != tc.want {
			t.Errorf("rows %d from %d: Worthwhile %v, want %v (density %v)", tc.rows, tc.from, got, tc.want, s.Density())
		}
	}
}
