package tensor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	gonumblas "gonum.org/v1/gonum/blas/gonum"
)

// Float is the element type of the engine: float32 for training, float64
// for finite-difference checks.
type Float interface{ ~float32 | ~float64 }

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// where op(X) is X or Xᵀ (transA, transB), op(A) is m×k, op(B) is k×n and C
// is m×n; lda, ldb and ldc are row strides. With beta = 0, C need not be
// initialised. Large float32 products are split over p's workers (p may
// be nil). It panics on impossible shapes.
func Gemm[F Float](p *Pool, transA, transB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	switch a := any(a).(type) {
	case []float32:
		g := gemmArgs{transA, transB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc}
		if p == nil {
			g.serial()
			return
		}
		p.gemm = g
		sgemm(p, &p.gemm)
		p.gemm = gemmArgs{} // drop the references
	case []float64:
		blas64.Implementation().Dgemm(op(transA), op(transB), m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// gemmArgs are the arguments of one float32 product; a Pool keeps one so
// that handing it to the workers allocates nothing.
type gemmArgs struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
}

func op(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if k == 0 {
		ar, br = 0, 0
		if transA {
			ar, ac = 0, m
		}
		if transB {
			br, bc = n, 0
		}
	}
	if lda < max(ac, 1) || ldb < max(bc, 1) || ldc < max(n, 1) {
		panic("tensor: Gemm leading dimension shorter than a row")
	}
	need := func(rows, cols, ld int) int {
		if rows == 0 || cols == 0 {
			return 0
		}
		return (rows-1)*ld + cols
	}
	if la < need(ar, ac, lda) || lb < need(br, bc, ldb) || lc < need(m, n, ldc) {
		panic("tensor: Gemm slice shorter than its matrix")
	}
}

// Add adds src to dst elementwise, float32 through gonum's vector Saxpy
// (1·x is exact, so the bits are those of the plain sums).
func Add[F Float](dst, src []F) {
	src = src[:len(dst)]
	if d32, ok := any(dst).([]float32); ok {
		blas32.Implementation().Saxpy(len(d32), 1, any(src).([]float32), 1, d32, 1)
		return
	}
	for i, v := range src {
		dst[i] += v
	}
}

// Axpy adds alpha·x to dst elementwise: dst[i] += alpha·x[i], the product
// rounded before the sum in every build (float32 through gonum's SSE
// loop, never a fused multiply-add), so the bits are the plain loop's.
func Axpy[F Float](dst []F, alpha F, x []F) {
	x = x[:len(dst)]
	if d32, ok := any(dst).([]float32); ok {
		gonumblas.Implementation{}.Saxpy(len(d32), float32(alpha), any(x).([]float32), 1, d32, 1)
		return
	}
	for i, v := range x {
		dst[i] += v * alpha
	}
}

// Zero sets every element of x to 0.
func Zero[F Float](x []F) {
	clear(x)
}
