package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// unitData defines the constants the unit kernels share: 1.0 and the mask
// that clears a float32's sign.
func unitData() (one, absMask Mem) {
	one = GLOBL("one", RODATA|NOPTR)
	// The bits, not F32(1): avo prints a float constant as $(1), which
	// the Go assembler reads as the integer 1.
	DATA(0, U32(math.Float32bits(1)))
	absMask = GLOBL("absMask", RODATA|NOPTR)
	DATA(0, U32(0x7fffffff))
	return one, absMask
}

// lifStatic writes LIFStatic: for eight neurons at a time (n a
// multiple of 8), x from in; m, sp, dm, ds, c, kk from zero; each step
//
//	dm = d·(dm·(1−sp) − m·ds) + 1;  m = d·m·(1−sp) + x
//	sp = [m > θ];  ds = [|m − θ| < lens]·dm;  c += sp;  kk += ds
//
// then c to cnt and kk to k.
func lifStatic(one, absMask Mem) {
	TEXT("LIFStatic", NOSPLIT, "func(d, th, lens float32, steps int, in, cnt, k *float32, n int)")
	Pragma("noescape")
	Doc("LIFStatic is package nn's static LIF form (lifStaticGeneric) for",
		"n neurons, n a multiple of 8.")
	VBROADCASTSS(one, Y0)
	VBROADCASTSS(param("d"), Y1)
	VBROADCASTSS(param("th"), Y2)
	VBROADCASTSS(param("lens"), Y3)
	VBROADCASTSS(absMask, Y4)
	MOVQ(param("in"), RSI)
	MOVQ(param("cnt"), RDI)
	MOVQ(param("k"), RDX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("lifDone"))
	label("lifVec")
	VMOVUPS(at(RSI, 0), Y11)
	VXORPS(Y5, Y5, Y5)
	VXORPS(Y6, Y6, Y6)
	VXORPS(Y7, Y7, Y7)
	VXORPS(Y8, Y8, Y8)
	VXORPS(Y9, Y9, Y9)
	VXORPS(Y10, Y10, Y10)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("lifStore"))
	label("lifStep")
	VSUBPS(Y6, Y0, Y12)
	VMULPS(Y8, Y5, Y13)
	VMULPS(Y12, Y7, Y7)
	VSUBPS(Y13, Y7, Y7)
	VMULPS(Y7, Y1, Y7)
	VADDPS(Y0, Y7, Y7)
	VMULPS(Y5, Y1, Y5)
	VMULPS(Y12, Y5, Y5)
	VADDPS(Y11, Y5, Y5)
	VSUBPS(Y2, Y5, Y13)
	VCMPPS(U8(0x1e), Y2, Y5, Y14)
	VANDPS(Y0, Y14, Y6)
	VANDPS(Y4, Y13, Y13)
	VCMPPS(U8(0x1e), Y13, Y3, Y15)
	VANDPS(Y7, Y15, Y8)
	VADDPS(Y6, Y9, Y9)
	VADDPS(Y8, Y10, Y10)
	DECQ(RCX)
	JNZ(lbl("lifStep"))
	label("lifStore")
	VMOVUPS(Y9, at(RDI, 0))
	VMOVUPS(Y10, at(RDX, 0))
	nextVector("lifVec", "lifDone", RSI, RDI, RDX)
	// func Adam(val, grad, m, v *float32, n int, k *[8]float32)
	//
	// k holds b1, b2, wd, 1−b1, 1−b2, stepSize, sqrtBC2, eps. For eight
}

// adam writes Adam. k holds b1, b2, wd, 1−b1, 1−b2, stepSize,
// sqrtBC2, eps. For eight parameters at a time (n a multiple of 8):
//
//	g = grad + wd·w;  m = b1·m + (1−b1)·g;  v = b2·v + (1−b2)·g·g
//	w = w − stepSize·m / (√v / sqrtBC2 + eps);  grad = 0
func adam() {
	TEXT("Adam", NOSPLIT, "func(val, grad, m, v *float32, n int, k *[8]float32)")
	Pragma("noescape")
	Doc("Adam is package nn's float32 Adam update for n parameters, n a",
		"multiple of 8; k holds b1, b2, wd, 1−b1, 1−b2, stepSize, sqrtBC2, eps.")
	MOVQ(param("k"), RAX)
	VBROADCASTSS(at(RAX, 0), Y0)
	VBROADCASTSS(at(RAX, 4), Y1)
	VBROADCASTSS(at(RAX, 8), Y2)
	VBROADCASTSS(at(RAX, 12), Y3)
	VBROADCASTSS(at(RAX, 16), Y4)
	VBROADCASTSS(at(RAX, 20), Y5)
	VBROADCASTSS(at(RAX, 24), Y6)
	VBROADCASTSS(at(RAX, 28), Y7)
	VXORPS(Y15, Y15, Y15)
	MOVQ(param("val"), RDI)
	MOVQ(param("grad"), RSI)
	MOVQ(param("m"), RDX)
	MOVQ(param("v"), RCX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("adamDone"))
	label("adamVec")
	VMOVUPS(at(RDI, 0), Y8)
	VMULPS(Y8, Y2, Y9)
	VADDPS(at(RSI, 0), Y9, Y9)
	VMULPS(at(RDX, 0), Y0, Y10)
	VMULPS(Y9, Y3, Y11)
	VADDPS(Y11, Y10, Y10)
	VMULPS(at(RCX, 0), Y1, Y11)
	VMULPS(Y9, Y4, Y12)
	VMULPS(Y9, Y12, Y12)
	VADDPS(Y12, Y11, Y11)
	VMOVUPS(Y10, at(RDX, 0))
	VMOVUPS(Y11, at(RCX, 0))
	VMULPS(Y10, Y5, Y10)
	VSQRTPS(Y11, Y11)
	VDIVPS(Y6, Y11, Y11)
	VADDPS(Y7, Y11, Y11)
	VDIVPS(Y11, Y10, Y10)
	VSUBPS(Y10, Y8, Y8)
	VMOVUPS(Y8, at(RDI, 0))
	VMOVUPS(Y15, at(RSI, 0))
	nextVector("adamVec", "adamDone", RDI, RSI, RDX, RCX)
}

// stepForward writes StepForward: out = [max(x, 0) > θ] for eight
// values at a time (n a multiple of 8).
func stepForward(one Mem) {
	TEXT("StepForward", NOSPLIT, "func(th float32, out, x *float32, n int)")
	Pragma("noescape")
	Doc("StepForward is package nn's binary-unit forward for n values, n a",
		"multiple of 8.")
	VBROADCASTSS(one, Y0)
	VBROADCASTSS(param("th"), Y1)
	VXORPS(Y2, Y2, Y2)
	MOVQ(param("out"), RDI)
	MOVQ(param("x"), RSI)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("stepFwdDone"))
	label("stepFwd")
	VMOVUPS(at(RSI, 0), Y3)
	VMAXPS(Y2, Y3, Y3)
	VCMPPS(U8(0x1e), Y1, Y3, Y3)
	VANDPS(Y0, Y3, Y3)
	VMOVUPS(Y3, at(RDI, 0))
	nextVector("stepFwd", "stepFwdDone", RSI, RDI)
}

// stepBackward writes StepBackward:
// dx = dOut · ([x > 0]·([x − θ > −lens]·[lens > x − θ])) for eight values
// at a time (n a multiple of 8).
func stepBackward(one Mem) {
	TEXT("StepBackward", NOSPLIT, "func(th, lens float32, dx, dOut, x *float32, n int)")
	Pragma("noescape")
	Doc("StepBackward is package nn's binary-unit backward for n values, n a",
		"multiple of 8.")
	VBROADCASTSS(one, Y0)
	VBROADCASTSS(param("th"), Y1)
	VBROADCASTSS(param("lens"), Y2)
	VXORPS(Y3, Y3, Y3)
	VSUBPS(Y2, Y3, Y4)
	MOVQ(param("dx"), RDI)
	MOVQ(param("dOut"), RDX)
	MOVQ(param("x"), RSI)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("stepBackDone"))
	label("stepBack")
	VMOVUPS(at(RSI, 0), Y5)
	VSUBPS(Y1, Y5, Y6)
	VCMPPS(U8(0x1e), Y3, Y5, Y7)
	VANDPS(Y0, Y7, Y7)
	VCMPPS(U8(0x1e), Y4, Y6, Y8)
	VANDPS(Y0, Y8, Y8)
	VCMPPS(U8(0x1e), Y6, Y2, Y9)
	VANDPS(Y0, Y9, Y9)
	VMULPS(Y9, Y8, Y8)
	VMULPS(Y8, Y7, Y7)
	VMULPS(at(RDX, 0), Y7, Y7)
	VMOVUPS(Y7, at(RDI, 0))
	nextVector("stepBack", "stepBackDone", RSI, RDI, RDX)
}

// hhStatic writes HHStatic: for eight neurons at a time (n a multiple
// of 8), with L and D the leak and drive rows of step t (stride apart,
// starting at the neurons' own):
//
//	v = v·L + dt·x + D;  dv = dv + dt (detach) or dv·L + dt
//	c += [v > θ];  kk += [|v − θ| < lens]·dv
//
// then c to cnt and kk to sens.
func hhStatic(one, absMask Mem) {
	TEXT("HHStatic", NOSPLIT, "func(dt, th, lens float32, detach bool, steps, stride int, leak, drive, in, cnt, sens *float32, n int)")
	Pragma("noescape")
	Doc("HHStatic is package nn's static HH form (hhKernel.generic) for n",
		"neurons, n a multiple of 8; leak and drive point at the neurons' values",
		"of step 0, their rows stride elements apart.")
	VBROADCASTSS(one, Y0)
	VBROADCASTSS(param("dt"), Y1)
	VBROADCASTSS(param("th"), Y2)
	VBROADCASTSS(param("lens"), Y3)
	VBROADCASTSS(absMask, Y4)
	MOVQ(param("stride"), R10)
	SHLQ(U8(2), R10)
	MOVQ(param("leak"), R11)
	MOVQ(param("drive"), R12)
	MOVQ(param("in"), RSI)
	MOVQ(param("cnt"), RDI)
	MOVQ(param("sens"), RDX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("hhDone"))
	label("hhVec")
	VMOVUPS(at(RSI, 0), Y11)
	VMULPS(Y11, Y1, Y11)
	VXORPS(Y5, Y5, Y5)
	VXORPS(Y6, Y6, Y6)
	VXORPS(Y9, Y9, Y9)
	VXORPS(Y10, Y10, Y10)
	MOVQ(R11, RAX)
	MOVQ(R12, RBX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("hhStore"))
	CMPB(param("detach"), U8(0))
	JNE(lbl("hhDetach"))
	// loop is one of the two step loops: with detach the sensitivity
	// grows by dt alone.
	loop := func(name string, detach bool) {
		Label(name)
		VMOVUPS(at(RAX, 0), Y12)
		VMULPS(Y12, Y5, Y5)
		VADDPS(Y11, Y5, Y5)
		VADDPS(at(RBX, 0), Y5, Y5)
		if !detach {
			VMULPS(Y12, Y6, Y6)
		}
		VADDPS(Y1, Y6, Y6)
		VSUBPS(Y2, Y5, Y13)
		VCMPPS(U8(0x1e), Y2, Y5, Y14)
		VANDPS(Y0, Y14, Y14)
		VADDPS(Y14, Y9, Y9)
		VANDPS(Y4, Y13, Y13)
		VCMPPS(U8(0x1e), Y13, Y3, Y15)
		VANDPS(Y6, Y15, Y15)
		VADDPS(Y15, Y10, Y10)
		ADDQ(R10, RAX)
		ADDQ(R10, RBX)
		DECQ(RCX)
		JNZ(LabelRef(name))
		JMP(lbl("hhStore"))
	}
	loop("hhAttached", false)
	loop("hhDetach", true)
	label("hhStore")
	VMOVUPS(Y9, at(RDI, 0))
	VMOVUPS(Y10, at(RDX, 0))
	nextVector("hhVec", "hhDone", RSI, RDI, RDX, R11, R12)
}

// lifStep writes LIFStep.
//
// For eight neurons at a time (n a multiple of 8):
//
//	m = d·pm·(1 − [pm > θ]) + in;  spk = [m > θ]
func lifStep(one Mem) {
	TEXT("LIFStep", NOSPLIT, "func(d, th float32, prevMem, in, mem, spk *float32, n int)")
	Pragma("noescape")
	Doc("LIFStep is package nn's per-step LIF forward (the fast path's loop) for",
		"n neurons, n a multiple of 8.")
	VBROADCASTSS(one, Y0)
	VBROADCASTSS(param("d"), Y1)
	VBROADCASTSS(param("th"), Y2)
	MOVQ(param("prevMem"), RSI)
	MOVQ(param("in"), RDX)
	MOVQ(param("mem"), RDI)
	MOVQ(param("spk"), RBX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("lsDone"))
	label("lsVec")
	VMOVUPS(at(RSI, 0), Y3)
	VCMPPS(U8(0x1e), Y2, Y3, Y4)
	VANDPS(Y0, Y4, Y4)
	VSUBPS(Y4, Y0, Y4)
	VMULPS(Y3, Y1, Y3)
	VMULPS(Y4, Y3, Y3)
	VADDPS(at(RDX, 0), Y3, Y3)
	VMOVUPS(Y3, at(RDI, 0))
	VCMPPS(U8(0x1e), Y2, Y3, Y4)
	VANDPS(Y0, Y4, Y4)
	VMOVUPS(Y4, at(RBX, 0))
	nextVector("lsVec", "lsDone", RSI, RDX, RDI, RBX)
}

// lifBack writes LIFBack.
//
// For eight neurons at a time (n a multiple of 8), with nx = next:
//
//	cMem = nx·d·(1 − [m > θ]);  cSpk = (0 − nx)·d·m
//	dm = cMem + (dSpk + cSpk)·[|m − θ| < lens];  dIn += dm;  next = dm
func lifBack(one, absMask Mem) {
	TEXT("LIFBack", NOSPLIT, "func(d, th, lens float32, mem, next, dSpk, dIn *float32, n int)")
	Pragma("noescape")
	Doc("LIFBack is package nn's per-step LIF backward (LIF.backwardRange) for",
		"n neurons, n a multiple of 8.")
	VBROADCASTSS(one, Y0)
	VBROADCASTSS(param("d"), Y1)
	VBROADCASTSS(param("th"), Y2)
	VBROADCASTSS(param("lens"), Y3)
	VBROADCASTSS(absMask, Y4)
	VXORPS(Y5, Y5, Y5)
	MOVQ(param("mem"), RSI)
	MOVQ(param("next"), RDI)
	MOVQ(param("dSpk"), RDX)
	MOVQ(param("dIn"), RBX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("lbkDone"))
	label("lbkVec")
	VMOVUPS(at(RSI, 0), Y6)
	VMOVUPS(at(RDI, 0), Y7)
	VMULPS(Y1, Y7, Y8)
	VCMPPS(U8(0x1e), Y2, Y6, Y9)
	VANDPS(Y0, Y9, Y9)
	VSUBPS(Y9, Y0, Y9)
	VMULPS(Y9, Y8, Y8)
	VSUBPS(Y7, Y5, Y9)
	VMULPS(Y1, Y9, Y9)
	VMULPS(Y6, Y9, Y9)
	VADDPS(at(RDX, 0), Y9, Y9)
	VSUBPS(Y2, Y6, Y10)
	VANDPS(Y4, Y10, Y10)
	VCMPPS(U8(0x1e), Y10, Y3, Y10)
	VANDPS(Y10, Y9, Y9)
	VADDPS(Y9, Y8, Y8)
	VADDPS(at(RBX, 0), Y8, Y9)
	VMOVUPS(Y9, at(RBX, 0))
	VMOVUPS(Y8, at(RDI, 0))
	nextVector("lbkVec", "lbkDone", RSI, RDI, RDX, RBX)
}

// hhRowForward writes HHRowForward.
//
// For eight neurons at a time (n a multiple of 8):
//
//	v = prev·leak + dt·in + drive;  spk = [v > θ]
func hhRowForward(one Mem) {
	TEXT("HHRowForward", NOSPLIT, "func(dt, th float32, leak, drive, prev, in, v, spk *float32, n int)")
	Pragma("noescape")
	Doc("HHRowForward is package nn's per-step HH forward for n neurons of a",
		"row, n a multiple of 8.")
	VBROADCASTSS(one, Y0)
	VBROADCASTSS(param("dt"), Y1)
	VBROADCASTSS(param("th"), Y2)
	MOVQ(param("leak"), R9)
	MOVQ(param("drive"), R10)
	MOVQ(param("prev"), RSI)
	MOVQ(param("in"), RDX)
	MOVQ(param("v"), RDI)
	MOVQ(param("spk"), RBX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("hrfDone"))
	label("hrfVec")
	VMOVUPS(at(RSI, 0), Y3)
	VMULPS(at(R9, 0), Y3, Y3)
	VMULPS(at(RDX, 0), Y1, Y4)
	VADDPS(Y4, Y3, Y3)
	VADDPS(at(R10, 0), Y3, Y3)
	VMOVUPS(Y3, at(RDI, 0))
	VCMPPS(U8(0x1e), Y2, Y3, Y4)
	VANDPS(Y0, Y4, Y4)
	VMOVUPS(Y4, at(RBX, 0))
	nextVector("hrfVec", "hrfDone", R9, R10, RSI, RDX, RDI, RBX)
}

// hhRowBackward writes HHRowBackward.
//
// For eight neurons at a time (n a multiple of 8):
//
//	dv = cV + dSp·[|v − θ| < lens];  dIn += dt·dv;  cV = dv·leak (attached) or dv
func hhRowBackward(one, absMask Mem) {
	TEXT("HHRowBackward", NOSPLIT, "func(dt, th, lens float32, attached bool, leak, v, cV, dIn, dSp *float32, n int)")
	Pragma("noescape")
	Doc("HHRowBackward is package nn's per-step HH backward for n neurons of",
		"a row, n a multiple of 8; leak is read only when attached.")
	VBROADCASTSS(one, Y0)
	VBROADCASTSS(param("dt"), Y1)
	VBROADCASTSS(param("th"), Y2)
	VBROADCASTSS(param("lens"), Y3)
	VBROADCASTSS(absMask, Y4)
	MOVBLZX(param("attached"), EAX)
	MOVQ(param("leak"), R9)
	MOVQ(param("v"), RSI)
	MOVQ(param("cV"), RDI)
	MOVQ(param("dIn"), RBX)
	MOVQ(param("dSp"), RDX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("hrbDone"))
	label("hrbVec")
	VMOVUPS(at(RSI, 0), Y5)
	VSUBPS(Y2, Y5, Y5)
	VANDPS(Y4, Y5, Y5)
	VCMPPS(U8(0x1e), Y5, Y3, Y5)
	VANDPS(Y0, Y5, Y5)
	VMULPS(at(RDX, 0), Y5, Y5)
	VADDPS(at(RDI, 0), Y5, Y5)
	VMULPS(Y5, Y1, Y6)
	VADDPS(at(RBX, 0), Y6, Y6)
	VMOVUPS(Y6, at(RBX, 0))
	TESTQ(RAX, RAX)
	JZ(lbl("hrbStore"))
	VMULPS(at(R9, 0), Y5, Y5)
	label("hrbStore")
	VMOVUPS(Y5, at(RDI, 0))
	nextVector("hrbVec", "hrbDone", R9, RSI, RDI, RBX, RDX)
}

// movingAverage writes MovingAverage: avg = k0·avg + k1·x, a product then a
// product then a sum (no fused multiply-add), eight values at a time.
func movingAverage() {
	TEXT("MovingAverage", NOSPLIT, "func(avg, x *float32, n int, k *[2]float32)")
	Pragma("noescape")
	Doc("MovingAverage is the exponential moving average avg = k[0]·avg +",
		"k[1]·x of n values, n a multiple of 8.")
	MOVQ(param("k"), RAX)
	VBROADCASTSS(at(RAX, 0), Y0)
	VBROADCASTSS(at(RAX, 4), Y1)
	MOVQ(param("avg"), RDI)
	MOVQ(param("x"), RSI)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("avgDone"))
	label("avgVec")
	VMULPS(at(RDI, 0), Y0, Y2)
	VMULPS(at(RSI, 0), Y1, Y3)
	VADDPS(Y3, Y2, Y2)
	VMOVUPS(Y2, at(RDI, 0))
	nextVector("avgVec", "avgDone", RDI, RSI)
}
