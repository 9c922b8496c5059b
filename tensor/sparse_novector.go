//go:build !(goexperiment.simd && amd64) && !openblas

package tensor

// hasSparseKernel tells whether this build has the AVX2 kernel that skips
// A's zeros; without GOEXPERIMENT=simd it has not.
func hasSparseKernel() bool { return false }

func (g *gemmArgs) sparseRow(i int) { panic("tensor: no sparse kernel in this build") }
