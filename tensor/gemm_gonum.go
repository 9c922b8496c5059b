//go:build !openblas

package tensor

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"
)

// Backend names the float32 GEMM back end of this build.
const Backend = "gonum"

// sgemm is the pure-Go back end. Products with op(B) = B are computed row
// by row as sums of rows of B scaled by the entries of A, skipping A's
// zeros — images and spike maps are mostly zeros, and this beats a dense
// kernel even on dense data here (gonum's Saxpy is vectorised assembly).
// The rest goes to gonum's Sgemm. Each row of C is summed in a fixed
// order by one goroutine, so results do not depend on GOMAXPROCS.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if transB {
		blas32.Implementation().Sgemm(op(transA), op(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	parallelRows(m, n*k, func(lo, hi int) {
		impl := blas32.Implementation()
		for i := lo; i < hi; i++ {
			ci := c[i*ldc : i*ldc+n]
			scaleRow(ci, beta)
			for p := 0; p < k; p++ {
				var av float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if av != 0 {
					impl.Saxpy(n, alpha*av, b[p*ldb:p*ldb+n], 1, ci, 1)
				}
			}
		}
	})
}

func scaleRow(c []float32, beta float32) {
	switch beta {
	case 1:
	case 0:
		clear(c)
	default:
		for j := range c {
			c[j] *= beta
		}
	}
}

// rowBlock is the fixed number of rows of C one goroutine takes at a time.
const rowBlock = 16

// parallelRows calls work on fixed blocks of the m rows, spread over
// GOMAXPROCS goroutines when the product (rows × work per row) is large.
func parallelRows(m, perRow int, work func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || m*perRow < 1<<18 || m < 2*rowBlock {
		work(0, m)
		return
	}
	blocks := (m + rowBlock - 1) / rowBlock
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < min(workers, blocks); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				blk := next
				next++
				mu.Unlock()
				if blk >= blocks {
					return
				}
				work(blk*rowBlock, min((blk+1)*rowBlock, m))
			}
		}()
	}
	wg.Wait()
}
