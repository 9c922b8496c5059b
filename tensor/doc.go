// Package tensor holds the linear algebra the training engine needs:
// general matrix multiplication on row-major slices, in float32 for
// training and float64 for gradient checks, and the three float32 kernels
// of a direct 3×3 convolution over channel-minor maps — Stencil (a scatter
// over the input's nonzeros), Gather (one output position at a time) and
// Correlate (one kernel row of the weight gradient at a time) — in AVX2
// assembly on amd64 (package internal/kernels), Go elsewhere.
//
// # Back ends
//
// float32 products go to one of two back ends chosen at build time:
// gonum's pure-Go blas32 (the default, no cgo) or OpenBLAS (build tag
// `openblas`, Debian's libopenblas-dev). OpenBLAS runs single-threaded and
// large products are split across goroutines by rows of the result in
// fixed blocks, so for a given back end every element is summed in the
// same order whatever GOMAXPROCS is. float64 products always use gonum's
// blas64.
//
// # Layout and aliasing
//
// Matrices are row-major slices with an explicit leading dimension (the
// row stride), as in CBLAS. The output must not alias an input.
package tensor
