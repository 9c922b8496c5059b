//go:build !amd64 || purego

package kernels

// Has reports false: the kernels need amd64 assembly.
func Has() bool { return false }

// LIFStatic is not available here.
func LIFStatic(d, th, lens float32, steps int, in, cnt, k *float32, n int) { panic("unreachable") }

// Adam is not available here.
func Adam(val, grad, m, v *float32, n int, k *[8]float32) { panic("unreachable") }

// StepForward is not available here.
func StepForward(th float32, out, x *float32, n int) { panic("unreachable") }

// StepBackward is not available here.
func StepBackward(th, lens float32, dx, dOut, x *float32, n int) { panic("unreachable") }

// HHStatic is not available here.
func HHStatic(dt, th, lens float32, detach bool, steps, stride int, leak, drive, in, cnt, sens *float32, n int) {
	panic("unreachable")
}

// PooledLIFForward is not available here.
func PooledLIFForward(d, th float32, steps int, in0, in1 *float32, half int, out *uintptr) {
	panic("unreachable")
}

// PooledLIFBackward is not available here.
func PooledLIFBackward(d, th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr) {
	panic("unreachable")
}

// PooledStepForward is not available here.
func PooledStepForward(th float32, steps int, in0, in1 *float32, half int, out *uintptr) {
	panic("unreachable")
}

// PooledStepBackward is not available here.
func PooledStepBackward(th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr) {
	panic("unreachable")
}

// PooledHHForward is not available here.
func PooledHHForward(dt, th float32, steps int, in0, in1 *float32, half int, leak, drive *float32, out *uintptr) {
	panic("unreachable")
}

// PooledHHBackward is not available here.
func PooledHHBackward(dt, th, lens float32, detach bool, steps int, in0, in1, dIn0, dIn1 *float32, half int, leak, drive *float32, dp *uintptr) {
	panic("unreachable")
}

// LIFStep is not available here.
func LIFStep(d, th float32, prevMem, in, mem, spk *float32, n int) { panic("unreachable") }

// LIFBack is not available here.
func LIFBack(d, th, lens float32, mem, next, dSpk, dIn *float32, n int) { panic("unreachable") }

// HHRowForward is not available here.
func HHRowForward(dt, th float32, leak, drive, prev, in, v, spk *float32, n int) {
	panic("unreachable")
}

// HHRowBackward is not available here.
func HHRowBackward(dt, th, lens float32, attached bool, leak, v, cV, dIn, dSp *float32, n int) {
	panic("unreachable")
}

// PooledSLIFBackward is not available here.
func PooledSLIFBackward(d, th, lens float32, steps int, mix *[4]float32, in0, dIn0 *float32, size, side, half int, dp *uintptr, mixOut *float32) {
	panic("unreachable")
}

// PooledSLIFForward is not available here.
func PooledSLIFForward(d, th float32, steps int, mix *[4]float32, in0 *float32, size, side, half int, out *uintptr) {
	panic("unreachable")
}

// SLIFStepForward is not available here.
func SLIFStepForward(d, th float32, mix *[4]float32, p *[15]uintptr, first bool, n int) {
	panic("unreachable")
}

// SLIFStepBackward is not available here.
func SLIFStepBackward(d, th, lens float32, mix *[4]float32, p *[15]uintptr, notLast bool, n int, acc *[32]float32) {
	panic("unreachable")
}

// SLIFUnits is not available here.
func SLIFUnits(d, th float32, mix *[4]float32, steps int, p *[7]uintptr, hist *float32) {
	panic("unreachable")
}

// SLIFBackSub is not available here.
func SLIFBackSub(d, th, lens, wk float32, k, steps int, hist, dm3s, dCount, dIn, dw *float32) {
	panic("unreachable")
}
