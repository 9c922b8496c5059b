package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/internal/testenv"
)

// refGemm is the textbook triple loop, in float64.
func refGemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float64
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.Float64()*2 - 1
	}
	return x
}

func to32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// TestGemm compares both precisions with the triple loop for every
// transpose combination, padded leading dimensions and beta ≠ 0, on shapes
// small and large enough to be split across goroutines, with a dense op(A)
// and a sparse one (the back ends without cgo take other paths for each).
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := NewPool(3)
	defer pool.Close()
	for _, alpha := range []float64{0.5, 1} {
		for _, sparse := range []bool{false, true} {
			for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {70, 33, 129}, {200, 150, 90}, {64, 600, 100}} {
				m, n, k := sz[0], sz[1], sz[2]
				for _, tA := range []bool{false, true} {
					for _, tB := range []bool{false, true} {
						ar, ac := m, k
						if tA {
							ar, ac = k, m
						}
						br, bc := k, n
						if tB {
							br, bc = n, k
						}
						lda, ldb, ldc := ac+2, bc+1, n+3
						a, b, c := randSlice(rng, ar*lda), randSlice(rng, br*ldb), randSlice(rng, m*ldc)
						if sparse {
							for i := range a {
								if i%5 != 0 {
									a[i] = 0
								}
							}
						}
						want := slices.Clone(c)
						refGemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, -2, want, ldc)
						got64 := slices.Clone(c)
						Gemm(pool, tA, tB, m, n, k, alpha, a, lda, b, ldb, -2, got64, ldc)
						got32 := to32(c)
						Gemm(pool, tA, tB, m, n, k, float32(alpha), to32(a), lda, to32(b), ldb, -2, got32, ldc)
						for i := range want {
							if d := math.Abs(got64[i] - want[i]); d > 1e-12 {
								t.Fatalf("float64 α=%v %v tA=%v tB=%v: element %d off by %g", alpha, sz, tA, tB, i, d)
							}
							if d := math.Abs(float64(got32[i]) - want[i]); d > 1e-4*math.Sqrt(float64(k)) {
								t.Fatalf("float32 (%s) α=%v %v tA=%v tB=%v: element %d off by %g", Backend, alpha, sz, tA, tB, i, d)
							}
						}
					}
				}
			}
		}
	}
}

// TestGemmDeterministic: the float32 product is bit-identical whatever
// the number of workers, for narrow and wide products.
func TestGemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][3]int{{300, 257, 400}, {128, 700, 300}} {
		m, n, k := sz[0], sz[1], sz[2]
		a, b := to32(randSlice(rng, m*k)), to32(randSlice(rng, k*n))
		run := func(p *Pool) []float32 {
			c := make([]float32, m*n)
			Gemm(p, false, false, m, n, k, 1, a, k, b, n, 0, c, n)
			return c
		}
		ref := run(nil)
		for _, w := range []int{1, 2, 3, 8} {
			p := NewPool(w)
			if !slices.Equal(run(p), ref) {
				t.Errorf("%v: %d workers give other bits than none (%s)", sz, w, Backend)
			}
			p.Close()
		}
	}
}

type sumRanger struct{ in, out []float64 }

func (s *sumRanger) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		s.out[i] = s.in[i] * 2
	}
}

func TestPool(t *testing.T) {
	p := NewPool(4)
	defer p.Close()
	r := &sumRanger{in: make([]float64, 1000), out: make([]float64, 1000)}
	for i := range r.in {
		r.in[i] = float64(i)
	}
	for _, grain := range []int{1, 7, 1000, 5000} {
		clear(r.out)
		p.Run(r, len(r.in), grain)
		for i, v := range r.out {
			if v != 2*float64(i) {
				t.Fatalf("grain %d: out[%d] = %v", grain, i, v)
			}
		}
	}
	if a := testing.AllocsPerRun(20, func() { p.Run(r, 1000, 10) }); a != 0 && !testenv.Race {
		t.Errorf("Run allocates %v times", a)
	}
	var nilPool *Pool
	nilPool.Run(r, 10, 3)
	if nilPool.Workers() != 1 || p.Workers() != 4 {
		t.Error("Workers")
	}
}

func TestGemmPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("short C did not panic")
		}
	}()
	Gemm(nil, false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
}

// BenchmarkGemm times the products of a training step: the hoisted input
// projections of LIF_fc (128×1296 · 1296×512) and LIF_hh_fc (…×1536), their
// weight gradients (xᵀ·dI), a read-out layer, and the information
// bottleneck's 512 → 512 statistics layer (forward, weight gradient,
// input gradient dy·Wᵀ).
func BenchmarkGemm(b *testing.B) {
	for _, sz := range []struct {
		tA, tB  bool
		m, n, k int
	}{{false, false, 128, 512, 1296}, {true, false, 1296, 512, 128}, {false, false, 128, 1536, 1296}, {true, false, 1296, 1536, 128}, {false, false, 128, 50, 512},
		{false, false, 128, 512, 512}, {true, false, 512, 512, 128}, {false, true, 128, 512, 512},
		{false, false, 128, 10, 256}, {true, false, 256, 10, 128}, {false, true, 128, 256, 10}, {false, false, 1536, 10, 256},
		{false, false, 128, 10, 50}, {true, false, 50, 10, 128}, {false, true, 128, 50, 10}} {
		m, n, k := sz.m, sz.n, sz.k
		b.Run(fmt.Sprintf("%s/tA=%v/tB=%v/%dx%dx%d", Backend, sz.tA, sz.tB, m, n, k), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x, y, c := to32(randSlice(rng, m*k)), to32(randSlice(rng, k*n)), make([]float32, m*n)
			lda, ldb := k, n
			if sz.tA {
				lda = m
			}
			if sz.tB {
				ldb = k
			}
			p := NewPool(0)
			defer p.Close()
			b.ReportAllocs()
			for b.Loop() {
				Gemm(p, sz.tA, sz.tB, m, n, k, 1, x, lda, y, ldb, 0, c, n)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

type nopRanger struct{}

func (nopRanger) Range(lo, hi int) {}

// BenchmarkPoolRun is the cost of handing out two blocks of nothing: the
// overhead each split product or layer pays.
func BenchmarkPoolRun(b *testing.B) {
	p := NewPool(2)
	defer p.Close()
	for b.Loop() {
		p.Run(nopRanger{}, 2, 1)
	}
}

// TestAdd: the sums are exact where the values allow, float32 and float64
// alike, and the longer src is cut to dst.
func TestAdd(t *testing.T) {
	d32 := []float32{1, -2, 0.5, 3, 0, 1e30, 7, 8, 9}
	Add(d32, []float32{0.25, 2, -0.5, 1, -0, 1e30, 1, 1, 1, 99})
	if want := []float32{1.25, 0, 0, 4, 0, 2e30, 8, 9, 10}; !slices.Equal(d32, want) {
		t.Errorf("float32: %v, want %v", d32, want)
	}
	d64 := []float64{1, 2}
	Add(d64, []float64{0.5, -4, 3})
	if want := []float64{1.5, -2}; !slices.Equal(d64, want) {
		t.Errorf("float64: %v, want %v", d64, want)
	}
}

// TestAxpyBits: Axpy gives the plain loop's bits (a product, then a sum)
// on a length with a vector tail.
func TestAxpyBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const n = 203
	x, dst, want := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], dst[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	copy(want, dst)
	alpha := float32(1) / 15
	for i, v := range x {
		want[i] += v * alpha
	}
	Axpy(dst, alpha, x)
	for i := range dst {
		if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
			t.Fatalf("Axpy[%d] = %v, loop %v", i, dst[i], want[i])
		}
	}
}
