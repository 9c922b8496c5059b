//go:build openblas

package tensor

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import (
	"runtime"
	"sync"
)

// Backend names the float32 GEMM back end of this build.
const Backend = "openblas"

// singleThreaded makes OpenBLAS run each call on the calling thread: its own
// spinning worker threads fight the Go scheduler on small machines, so the
// parallelism is ours (see sgemm).
var singleThreaded = sync.OnceFunc(func() { C.openblas_set_num_threads(1) })

// blockRows is the fixed row block of C that one goroutine computes; fixed
// so that results do not depend on GOMAXPROCS.
const blockRows = 32

// parallelFlops is the size (m·n·k) above which a product is split.
const parallelFlops = 1 << 21

func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	singleThreaded()
	workers := runtime.GOMAXPROCS(0)
	if m*n*k < parallelFlops || m < 2*blockRows {
		cgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	blocks := (m + blockRows - 1) / blockRows
	var next sync.Mutex
	nextBlock := 0
	var wg sync.WaitGroup
	for w := 0; w < min(workers, blocks); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				i := nextBlock
				nextBlock++
				next.Unlock()
				if i >= blocks {
					return
				}
				r0 := i * blockRows
				rows := min(blockRows, m-r0)
				// Row block r0 of op(A): rows of A, or columns of Aᵀ.
				aOff := r0 * lda
				if transA {
					aOff = r0
				}
				cgemm(transA, transB, rows, n, k, alpha, a[aOff:], lda, b, ldb, beta, c[r0*ldc:], ldc)
			}
		}()
	}
	wg.Wait()
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
