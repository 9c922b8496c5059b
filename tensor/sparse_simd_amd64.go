//go:build goexperiment.simd && amd64 && !openblas

package tensor

import "simd/archsimd"

// sparseSeg is how many nonzeros of a row of A one pass gathers (on the stack).
const sparseSeg = 1024

// hasSparseKernel tells whether this build and CPU have the AVX2 kernel
// that skips A's zeros.
func hasSparseKernel() bool { return archsimd.X86.AVX2() && archsimd.X86.FMA() }

// sparseRow adds row i of op(A)·B (op(B) = B, alpha = 1) to C (already
// scaled by beta) from the nonzeros of row i of op(A): C[i, :] += a·B[p, :] for
// each, 64 columns at a time in eight FMA accumulators. It calls nothing
// (a call in a function with vector loops makes the compiler spill them).
func (g *gemmArgs) sparseRow(i int) {
	n, k := g.n, g.k
	ci := g.c[i*g.ldc : i*g.ldc+n]
	// Locals, not fields: loads through g would be repeated in the loops.
	// No float scalar may stay live across the vector loops: the compiler
	// would reload it there with a legacy-SSE MOVSS, which costs an AVX→SSE
	// transition at every iteration. So alpha is 1 here (see useSparse).
	bm, ldb, a, lda, transA := g.b, g.ldb, g.a, g.lda, g.transA
	var idx [sparseSeg]int32
	var val [sparseSeg + 8]float32 // padded: each value is broadcast from an 8-wide load
	var lane0 archsimd.Uint32x8    // all indices 0: Permute broadcasts lane 0
	for p0 := 0; p0 < k; {
		archsimd.ClearAVXUpperBits()
		nz := 0
		for ; p0 < k && nz < sparseSeg; p0++ {
			var av float32
			if transA {
				av = a[p0*lda+i]
			} else {
				av = a[i*lda+p0]
			}
			if av != 0 {
				idx[nz], val[nz] = int32(p0), av
				nz++
			}
		}
		c0 := 0
		for ; c0+64 <= n; c0 += 64 {
			c := ci[c0 : c0+64]
			a0 := archsimd.LoadFloat32x8Slice(c[0:])
			a1 := archsimd.LoadFloat32x8Slice(c[8:])
			a2 := archsimd.LoadFloat32x8Slice(c[16:])
			a3 := archsimd.LoadFloat32x8Slice(c[24:])
			a4 := archsimd.LoadFloat32x8Slice(c[32:])
			a5 := archsimd.LoadFloat32x8Slice(c[40:])
			a6 := archsimd.LoadFloat32x8Slice(c[48:])
			a7 := archsimd.LoadFloat32x8Slice(c[56:])
			for q := 0; q < nz; q++ {
				// A scalar load (MOVSS, legacy SSE) here would pay the
				// AVX→SSE penalty at every nonzero; load 8 and permute.
				v := archsimd.LoadFloat32x8Slice(val[q:]).Permute(lane0)
				off := int(idx[q])*ldb + c0
				b := bm[off : off+64]
				a0 = archsimd.LoadFloat32x8Slice(b[0:]).MulAdd(v, a0)
				a1 = archsimd.LoadFloat32x8Slice(b[8:]).MulAdd(v, a1)
				a2 = archsimd.LoadFloat32x8Slice(b[16:]).MulAdd(v, a2)
				a3 = archsimd.LoadFloat32x8Slice(b[24:]).MulAdd(v, a3)
				a4 = archsimd.LoadFloat32x8Slice(b[32:]).MulAdd(v, a4)
				a5 = archsimd.LoadFloat32x8Slice(b[40:]).MulAdd(v, a5)
				a6 = archsimd.LoadFloat32x8Slice(b[48:]).MulAdd(v, a6)
				a7 = archsimd.LoadFloat32x8Slice(b[56:]).MulAdd(v, a7)
			}
			a0.StoreSlice(c[0:])
			a1.StoreSlice(c[8:])
			a2.StoreSlice(c[16:])
			a3.StoreSlice(c[24:])
			a4.StoreSlice(c[32:])
			a5.StoreSlice(c[40:])
			a6.StoreSlice(c[48:])
			a7.StoreSlice(c[56:])
		}
		for ; c0+8 <= n; c0 += 8 {
			a0 := archsimd.LoadFloat32x8Slice(ci[c0:])
			for q := 0; q < nz; q++ {
				v := archsimd.LoadFloat32x8Slice(val[q:]).Permute(lane0)
				a0 = archsimd.LoadFloat32x8Slice(bm[int(idx[q])*ldb+c0:]).MulAdd(v, a0)
			}
			a0.StoreSlice(ci[c0:])
		}
		// Scalar SSE code after 256-bit code pays for the dirty upper
		// halves (false dependencies, measured 10–50× slower) unless they
		// are cleared.
		archsimd.ClearAVXUpperBits()
		for ; c0 < n; c0++ {
			s := ci[c0]
			for q := 0; q < nz; q++ {
				s += val[q] * bm[int(idx[q])*ldb+c0]
			}
			ci[c0] = s
		}
	}
}
