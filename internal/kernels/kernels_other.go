//go:build !amd64 || purego

package kernels

// Has reports false: the kernels need amd64 assembly.
func Has() bool { return false }

// StencilAVX2 is not available here.
func StencilAVX2(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, dBase, sBase *int32, n int) {
	panic("unreachable")
}

// GatherAVX2 is not available here.
func GatherAVX2(dst, src, w *float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase *int32, n int) {
	panic("unreachable")
}

// GatherSkipAVX2 is not available here.
func GatherSkipAVX2(dst, src, w *float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase *int32, n int) {
	panic("unreachable")
}

// CorrelateAVX2 is not available here.
func CorrelateAVX2(dst *float32, dstStride int, src *float32, srcRow int, dy *float32, dyRow, dyPos, width, h, w int) {
	panic("unreachable")
}

// PlaneAVX2 is not available here.
func PlaneAVX2(dst *float32, cstride int, src *float32, srcRow int, w, bias *float32, cout int, dBase, sBase *int32, n int) {
	panic("unreachable")
}

// PlaneGradAVX2 is not available here.
func PlaneGradAVX2(acc, dy *float32, cstride int, src *float32, srcRow, cout int, dBase, sBase *int32, mask *uint32, n int) {
	panic("unreachable")
}

// PlaneSumAVX2 is not available here.
func PlaneSumAVX2(dst *float32, cstride int, src *float32, sstride, srcRow, kin, kout int, w, bias *float32, dBase, sBase *int32, n int) {
	panic("unreachable")
}

// LIFStaticAVX2 is not available here.
func LIFStaticAVX2(d, th, lens float32, steps int, in, cnt, k *float32, n int) { panic("unreachable") }

// AdamAVX2 is not available here.
func AdamAVX2(val, grad, m, v *float32, n int, k *[8]float32) { panic("unreachable") }

// StepForwardAVX2 is not available here.
func StepForwardAVX2(th float32, out, x *float32, n int) { panic("unreachable") }

// StepBackwardAVX2 is not available here.
func StepBackwardAVX2(th, lens float32, dx, dOut, x *float32, n int) { panic("unreachable") }

// HHStaticAVX2 is not available here.
func HHStaticAVX2(dt, th, lens float32, detach bool, steps, stride int, leak, drive, in, cnt, sens *float32, n int) {
	panic("unreachable")
}

// PooledLIFForwardAVX2 is not available here.
func PooledLIFForwardAVX2(d, th float32, steps int, in0, in1 *float32, half int, out *uintptr) {
	panic("unreachable")
}

// PooledLIFBackwardAVX2 is not available here.
func PooledLIFBackwardAVX2(d, th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr) {
	panic("unreachable")
}

// PooledStepForwardAVX2 is not available here.
func PooledStepForwardAVX2(th float32, steps int, in0, in1 *float32, half int, out *uintptr) {
	panic("unreachable")
}

// PooledStepBackwardAVX2 is not available here.
func PooledStepBackwardAVX2(th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr) {
	panic("unreachable")
}

// PadPlanesAVX2 is not available here.
func PadPlanesAVX2(dst *float32, dstPlane, dstRow int, src *float32, srcPlane, planes, h, w int) {
	panic("unreachable")
}

// PooledHHForwardAVX2 is not available here.
func PooledHHForwardAVX2(dt, th float32, steps int, in0, in1 *float32, half int, leak, drive *float32, out *uintptr) {
	panic("unreachable")
}

// PooledHHBackwardAVX2 is not available here.
func PooledHHBackwardAVX2(dt, th, lens float32, detach bool, steps int, in0, in1, dIn0, dIn1 *float32, half int, leak, drive *float32, dp *uintptr) {
	panic("unreachable")
}

// LIFStepAVX2 is not available here.
func LIFStepAVX2(d, th float32, prevMem, in, mem, spk *float32, n int) { panic("unreachable") }

// LIFBackAVX2 is not available here.
func LIFBackAVX2(d, th, lens float32, mem, next, dSpk, dIn *float32, n int) { panic("unreachable") }

// HHRowForwardAVX2 is not available here.
func HHRowForwardAVX2(dt, th float32, leak, drive, prev, in, v, spk *float32, n int) {
	panic("unreachable")
}

// HHRowBackwardAVX2 is not available here.
func HHRowBackwardAVX2(dt, th, lens float32, attached bool, leak, v, cV, dIn, dSp *float32, n int) {
	panic("unreachable")
}

// PooledSLIFBackwardAVX2 is not available here.
func PooledSLIFBackwardAVX2(d, th, lens float32, steps int, mix *[4]float32, in0, dIn0 *float32, size, side, half int, dp *uintptr, mixOut *float32) {
	panic("unreachable")
}

// PooledSLIFForwardAVX2 is not available here.
func PooledSLIFForwardAVX2(d, th float32, steps int, mix *[4]float32, in0 *float32, size, side, half int, out *uintptr) {
	panic("unreachable")
}

// SLIFStepForwardAVX2 is not available here.
func SLIFStepForwardAVX2(d, th float32, mix *[4]float32, p *[15]uintptr, first bool, n int) {
	panic("unreachable")
}

// SLIFStepBackwardAVX2 is not available here.
func SLIFStepBackwardAVX2(d, th, lens float32, mix *[4]float32, p *[15]uintptr, notLast bool, n int, acc *[32]float32) {
	panic("unreachable")
}

// SLIFUnitsAVX2 is not available here.
func SLIFUnitsAVX2(d, th float32, mix *[4]float32, steps int, p *[7]uintptr, hist *float32) {
	panic("unreachable")
}

// SLIFBackSubAVX2 is not available here.
func SLIFBackSubAVX2(d, th, lens, wk float32, k, steps int, hist, dm3s, dCount, dIn, dw *float32) {
	panic("unreachable")
}

// SparsePairsAVX2 is not available here.
func SparsePairsAVX2(c *float32, ldc, pairs int, beg, cnt, off *int32, val0, val1, b *float32, vecs int) {
	panic("unreachable")
}

// CompactPairAVX2 is not available here.
func CompactPairAVX2(off *int32, val0, val1, src0, src1 *float32, n, step int) (union, nonzeros int) {
	panic("unreachable")
}

// CompactAVX2 is not available here.
func CompactAVX2(idx *int32, val, src *float32, n, base int) int {
	panic("unreachable")
}

// Transpose8AVX2 is not available here.
func Transpose8AVX2(dst *float32, ldd int, src *float32, lds, rows8, cols8 int) {
	panic("unreachable")
}

// StencilSumAVX2 is not available here.
func StencilSumAVX2(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, sBase *int32, n int) {
	panic("unreachable")
}

// StencilSpreadAVX2 is not available here.
func StencilSpreadAVX2(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, dBase *int32, n int) {
	panic("unreachable")
}
