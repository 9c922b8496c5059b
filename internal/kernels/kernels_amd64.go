//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// Has tells whether the CPU runs the kernels (AVX2 and FMA).
func Has() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// StencilAVX2 is tensor.Stencil's loop in AVX2 assembly; the tap offsets are in
// bytes, the bases in elements, and every row has been checked.
//
//go:noescape
func StencilAVX2(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, dBase, sBase *int32, n int)

// GatherAVX2 is tensor.Gather's loop in AVX2 assembly for widths 1 to 5;
// cstride is in bytes, other offsets in elements, and every row has been
// checked.
//
//go:noescape
func GatherAVX2(dst, src, w *float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase *int32, n int)

// GatherSkipAVX2 is GatherAVX2 passing over zero inputs.
//
//go:noescape
func GatherSkipAVX2(dst, src, w *float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase *int32, n int)

// CorrelateAVX2 is tensor.Correlate's loop in AVX2 assembly for widths 1
// to 5; every row has been checked.
//
//go:noescape
func CorrelateAVX2(dst *float32, dstStride int, src *float32, srcRow int, dy *float32, dyRow, dyPos, width, h, w int)

// PlaneAVX2 is tensor.Plane's loop in AVX2 assembly; offsets are in
// elements and every row has been checked.
//
//go:noescape
func PlaneAVX2(dst *float32, cstride int, src *float32, srcRow int, w, bias *float32, cout int, dBase, sBase *int32, n int)

// PlaneGradAVX2 is tensor.PlaneGrad's loop in AVX2 assembly; offsets are
// in elements and every row has been checked.
//
//go:noescape
func PlaneGradAVX2(acc, dy *float32, cstride int, src *float32, srcRow, cout int, dBase, sBase *int32, mask *uint32, n int)

// PlaneSumAVX2 is tensor.PlaneSum's loop in AVX2 assembly for 1 to 6
// output planes; offsets are in elements and every row has been checked.
//
//go:noescape
func PlaneSumAVX2(dst *float32, cstride int, src *float32, sstride, srcRow, kin, kout int, w, bias *float32, dBase, sBase *int32, n int)

// LIFStaticAVX2 is package nn's static LIF kernel (lifStatic32Scalar) for
// n neurons, n a multiple of 8.
//
//go:noescape
func LIFStaticAVX2(d, th, lens float32, steps int, in, cnt, k *float32, n int)

// AdamAVX2 is package nn's float32 Adam update for n parameters, n a
// multiple of 8; k holds b1, b2, wd, 1−b1, 1−b2, stepSize, sqrtBC2, eps.
//
//go:noescape
func AdamAVX2(val, grad, m, v *float32, n int, k *[8]float32)

// StepForwardAVX2 is package nn's binary-unit forward for n values, n a
// multiple of 8.
//
//go:noescape
func StepForwardAVX2(th float32, out, x *float32, n int)

// StepBackwardAVX2 is package nn's binary-unit backward for n values, n a
// multiple of 8.
//
//go:noescape
func StepBackwardAVX2(th, lens float32, dx, dOut, x *float32, n int)

// HHStaticAVX2 is package nn's static HH kernel (hhStatic32Scalar) for n
// neurons, n a multiple of 8; leak and drive point at the neurons' values
// of step 0, their rows stride elements apart.
//
//go:noescape
func HHStaticAVX2(dt, th, lens float32, detach bool, steps, stride int, leak, drive, in, cnt, sens *float32, n int)

// PooledLIFForwardAVX2 runs one pooled row of package nn's Pooled LIF
// forward; out holds the steps' pointers to the pooled row.
//
//go:noescape
func PooledLIFForwardAVX2(d, th float32, steps int, in0, in1 *float32, half int, out *uintptr)

// PooledLIFBackwardAVX2 runs one pooled row of the Pooled LIF backward
// (forward replay with ∂m/∂x); dp holds the steps' pointers to the pooled
// gradients' row.
//
//go:noescape
func PooledLIFBackwardAVX2(d, th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr)

// PooledStepForwardAVX2 runs one pooled row of the Pooled binary unit.
//
//go:noescape
func PooledStepForwardAVX2(th float32, steps int, in0, in1 *float32, half int, out *uintptr)

// PooledStepBackwardAVX2 runs one pooled row of the Pooled binary unit's
// backward.
//
//go:noescape
func PooledStepBackwardAVX2(th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr)

// PadPlanesAVX2 is tensor.PadPlanes's loop in AVX2 assembly for w ≥ 8;
// every row has been checked.
//
//go:noescape
func PadPlanesAVX2(dst *float32, dstPlane, dstRow int, src *float32, srcPlane, planes, h, w int)

// PooledHHForwardAVX2 runs one pooled row of package nn's Pooled HH
// forward; leak and drive are the [t][parity][half] tables.
//
//go:noescape
func PooledHHForwardAVX2(dt, th float32, steps int, in0, in1 *float32, half int, leak, drive *float32, out *uintptr)

// PooledHHBackwardAVX2 runs one pooled row of the Pooled HH backward.
//
//go:noescape
func PooledHHBackwardAVX2(dt, th, lens float32, detach bool, steps int, in0, in1, dIn0, dIn1 *float32, half int, leak, drive *float32, dp *uintptr)

// LIFStepAVX2 is package nn's per-step LIF forward (lifStep32Scalar) for
// n neurons, n a multiple of 8.
//
//go:noescape
func LIFStepAVX2(d, th float32, prevMem, in, mem, spk *float32, n int)

// LIFBackAVX2 is package nn's per-step LIF backward (lifBack32Scalar) for
// n neurons, n a multiple of 8.
//
//go:noescape
func LIFBackAVX2(d, th, lens float32, mem, next, dSpk, dIn *float32, n int)

// HHRowForwardAVX2 is package nn's per-step HH forward for n neurons of a
// row, n a multiple of 8.
//
//go:noescape
func HHRowForwardAVX2(dt, th float32, leak, drive, prev, in, v, spk *float32, n int)

// HHRowBackwardAVX2 is package nn's per-step HH backward for n neurons of
// a row, n a multiple of 8; leak is read only when attached.
//
//go:noescape
func HHRowBackwardAVX2(dt, th, lens float32, attached bool, leak, v, cV, dIn, dSp *float32, n int)

// PooledSLIFBackwardAVX2 runs one pooled row of package nn's Pooled
// s-LIF2HH backward; mix holds w₁, w₂, w₃, b; mixOut receives 32 sums per
// chain (see the assembly).
//
//go:noescape
func PooledSLIFBackwardAVX2(d, th, lens float32, steps int, mix *[4]float32, in0, dIn0 *float32, size, side, half int, dp *uintptr, mixOut *float32)

// PooledSLIFForwardAVX2 runs one pooled row of package nn's Pooled
// s-LIF2HH forward; mix holds w₁, w₂, w₃, b.
//
//go:noescape
func PooledSLIFForwardAVX2(d, th float32, steps int, mix *[4]float32, in0 *float32, size, side, half int, out *uintptr)

// SLIFStepForwardAVX2 is package nn's per-step s-LIF2HH forward for n
// units, n a multiple of 8; p holds the rows' addresses (see the assembly).
//
//go:noescape
func SLIFStepForwardAVX2(d, th float32, mix *[4]float32, p *[15]uintptr, first bool, n int)

// SLIFStepBackwardAVX2 is package nn's per-step s-LIF2HH backward for n
// units, n a multiple of 8; p holds the rows' addresses and acc receives
// the mixing gradient's eight lane sums per weight (see the assembly).
//
//go:noescape
func SLIFStepBackwardAVX2(d, th, lens float32, mix *[4]float32, p *[15]uintptr, notLast bool, n int, acc *[32]float32)

// SLIFUnitsAVX2 is package nn's static s-LIF2HH forward for eight units
// (see the assembly).
//
//go:noescape
func SLIFUnitsAVX2(d, th float32, mix *[4]float32, steps int, p *[7]uintptr, hist *float32)

// SLIFBackSubAVX2 walks one sub-neuron of eight static s-LIF2HH units back
// through time (see the assembly).
//
//go:noescape
func SLIFBackSubAVX2(d, th, lens, wk float32, k, steps int, hist, dm3s, dCount, dIn, dw *float32)

// SparsePairsAVX2 is tensor.Sparse's product loop in AVX2 assembly: pairs
// of rows of c += the multiples, by the pair's values at each listed
// position, of the row of b at that position's offset; vecs (1 to 6)
// vectors of eight columns; strides and offsets are in elements and every
// row has been checked.
//
//go:noescape
func SparsePairsAVX2(c *float32, ldc, pairs int, beg, cnt, off *int32, val0, val1, b *float32, vecs int)

// CompactAVX2 lists nonzeros in AVX2 assembly: it writes the nonzeros of
// src[0:n] (n a multiple of 8) and their positions + base to val and idx,
// which have room for n values, and returns their number.
//
//go:noescape
func CompactAVX2(idx *int32, val, src *float32, n, base int) int

// CompactPairAVX2 lists the nonzeros of two lines at once in AVX2
// assembly: for the positions i of src0[0:n] and src1[0:n] (n a multiple
// of 8) where either is nonzero it writes i·step to off and both values to
// val0 and val1, which have room for n values, and returns the number of
// such positions and the number of nonzeros of both.
//
//go:noescape
func CompactPairAVX2(off *int32, val0, val1, src0, src1 *float32, n, step int) (union, nonzeros int)

// Transpose8AVX2 writes dst[j·ldd + i] = src[i·lds + j] for i < 8·rows8
// and j < 8·cols8, strides in elements; the caller has checked the bounds.
//
//go:noescape
func Transpose8AVX2(dst *float32, ldd int, src *float32, lds, rows8, cols8 int)

// StencilSumAVX2 is tensor.StencilSum's loop in AVX2 assembly; tap
// offsets are in bytes, n ≥ 1, and every row has been checked.
//
//go:noescape
func StencilSumAVX2(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, sBase *int32, n int)

// StencilSpreadAVX2 is tensor.StencilSpread's loop in AVX2 assembly; tap
// offsets are in bytes, n ≥ 1, and every row has been checked.
//
//go:noescape
func StencilSpreadAVX2(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, dBase *int32, n int)
