package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The pooled row kernels run package nn's first layer with 2×2 average
// pooling fused in: in0 and in1 point at map rows 2y and 2y+1 (column 0),
// half is the pooled row's length (≥ 8); blocks start at pooled columns
// 0, 8, … and, where half is not a multiple of 8, a last one at half − 8
// that repeats some outputs the same way. out and dp hold the steps'
// pointers to the pooled row (outputs, gradients). The operations are
// package nn's float32 reference code's, in the same order.

// consts are the read-only tables the pooled and s-LIF2HH kernels load.
type consts struct {
	one, absMask, quarter Mem
	// splitIdx and joinIdx are VPERMPS orders that separate a map row's
	// even and odd columns and interleave them back.
	splitIdx, joinIdx Mem
}

// pooledData declares the pooled kernels' tables beside the units' one and
// absMask.
func pooledData(one, absMask Mem) consts {
	k := consts{one: one, absMask: absMask}
	k.splitIdx = GLOBL("splitIdx", RODATA|NOPTR)
	for i, v := range []int{0, 2, 4, 6, 1, 3, 5, 7} {
		DATA(4*i, U32(v))
	}
	k.joinIdx = GLOBL("joinIdx", RODATA|NOPTR)
	for i, v := range []int{0, 4, 1, 5, 2, 6, 3, 7} {
		DATA(4*i, U32(v))
	}
	k.quarter = GLOBL("quarter", RODATA|NOPTR)
	DATA(0, U32(math.Float32bits(0.25)))
	return k
}

// split loads the 16 map values at r and puts the even columns in e and
// the odd ones in o (Y15 holds splitIdx; Y14 is clobbered).
func split(r Register, e, o VecPhysical) {
	VPERMPS(at(r, 0), Y15, e)
	VPERMPS(at(r, 32), Y15, Y14)
	VPERM2F128(U8(0x31), Y14, e, o)
	VPERM2F128(U8(0x20), Y14, e, e)
}

// join stores even columns e and odd ones o back as the 16 map values at r
// (Y15 holds joinIdx; Y14 and Y13 are clobbered).
func join(e, o VecPhysical, r Register) {
	VPERM2F128(U8(0x20), o, e, Y14)
	VPERM2F128(U8(0x31), o, e, Y13)
	VPERMPS(Y14, Y15, Y14)
	VPERMPS(Y13, Y15, Y13)
	VMOVUPS(Y14, at(r, 0))
	VMOVUPS(Y13, at(r, 32))
}

// blockInputs puts the block's inputs in Y0 (map row 2y, even columns),
// Y1 (2y, odd), Y2 (2y+1, even) and Y3 (2y+1, odd).
func blockInputs(k consts) {
	VMOVDQU(k.splitIdx, Y15)
	MOVQ(param("in0"), RSI)
	LEAQ(idx(RSI, 0, R9, 8), RSI)
	split(RSI, Y0, Y1)
	MOVQ(param("in1"), RSI)
	LEAQ(idx(RSI, 0, R9, 8), RSI)
	split(RSI, Y2, Y3)
}

// rowInputs points SI at the block's inputs and BX at their gradients in
// map row 2y (row 0 in the counter) or 2y+1, and puts the inputs' even
// columns in Y0 and odd ones in Y1.
func rowInputs(k consts, row Register, have string) {
	MOVQ(param("in0"), RSI)
	MOVQ(param("dIn0"), RBX)
	TESTQ(row, row)
	JZ(lbl("%s", have))
	MOVQ(param("in1"), RSI)
	MOVQ(param("dIn1"), RBX)
	label("%s", have)
	LEAQ(idx(RSI, 0, R9, 8), RSI)
	LEAQ(idx(RBX, 0, R9, 8), RBX)
	VMOVDQU(k.splitIdx, Y15)
	split(RSI, Y0, Y1)
}

// blocks sets R9 to the next block's pooled column (in elements) from R8,
// the blocks' end so far, or jumps to done when the row is finished; it
// advances R8 by 8. AX holds half.
func blocks(done LabelRef) {
	CMPQ(R8, RAX)
	JGE(done)
	MOVQ(RAX, R9)
	SUBQ(U8(8), R9)
	CMPQ(R8, R9)
	CMOVQLT(R8, R9)
	ADDQ(U8(8), R8)
}

// pooledLIFForward writes PooledLIFForward.
func pooledLIFForward(k consts) {
	TEXT("PooledLIFForward", NOSPLIT, "func(d, th float32, steps int, in0, in1 *float32, half int, out *uintptr)")
	Pragma("noescape")
	Doc("PooledLIFForward runs one pooled row of package nn's Pooled LIF",
		"forward; out holds the steps' pointers to the pooled row.")
	AllocLocal(96)
	broadcastTo(0, param("d"))
	broadcastTo(32, param("th"))
	broadcastTo(64, k.quarter)
	MOVQ(param("half"), RAX)
	XORQ(R8, R8)
	label("lfBlock")
	blocks(lbl("lfDone"))
	blockInputs(k)
	VBROADCASTSS(k.one, Y15)
	// Four chains (x in Y0–Y3, m in Y4–Y7, s in Y8–Y11).
	for j := range 4 {
		zero(ymm(4 + j))
		zero(ymm(8 + j))
	}
	MOVQ(param("out"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("lfBlock"))
	label("lfStep")
	for j := range 4 {
		x, m, s := ymm(j), ymm(4+j), ymm(8+j)
		VMULPS(stack(0), m, m) // m = d·m·(1 − s) + x
		VSUBPS(s, Y15, Y12)
		VMULPS(Y12, m, m)
		VADDPS(x, m, m)
		VCMPPS(U8(0x1e), stack(32), m, s) // s = [m > θ]
		VANDPS(Y15, s, s)
	}
	VADDPS(Y9, Y8, Y12)
	VADDPS(Y10, Y12, Y12)
	VADDPS(Y11, Y12, Y12)
	VMULPS(stack(64), Y12, Y12)
	MOVQ(at(RDX, 0), RDI)
	VMOVUPS(Y12, idx(RDI, 0, R9, 4))
	ADDQ(U8(8), RDX)
	DECQ(RCX)
	JNZ(lbl("lfStep"))
	JMP(lbl("lfBlock"))
	label("lfDone")
	VZEROUPPER()
	RET()
}

// pooledLIFBackward writes PooledLIFBackward.
func pooledLIFBackward(k consts) {
	TEXT("PooledLIFBackward", NOSPLIT, "func(d, th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr)")
	Pragma("noescape")
	Doc("PooledLIFBackward runs one pooled row of the Pooled LIF backward",
		"(forward replay with ∂m/∂x); dp holds the steps' pointers to the pooled",
		"gradients' row.")
	AllocLocal(224)
	broadcastTo(0, param("d"))
	broadcastTo(32, param("th"))
	broadcastTo(64, param("lens"))
	broadcastTo(96, k.quarter)
	broadcastTo(192, k.absMask)
	MOVQ(param("half"), RAX)
	XORQ(R8, R8)
	label("lbBlock")
	blocks(lbl("lbDone"))
	XORQ(R10, R10)
	label("lbRow")
	rowInputs(k, R10, "lbHave")
	VMOVUPS(Y0, stack(128))
	VMOVUPS(Y1, stack(160))
	VBROADCASTSS(k.one, Y15)
	VXORPS(Y0, Y0, Y0)
	VXORPS(Y1, Y1, Y1)
	VXORPS(Y2, Y2, Y2)
	VMOVAPS(Y15, Y3)
	VXORPS(Y4, Y4, Y4)
	VXORPS(Y5, Y5, Y5)
	VXORPS(Y6, Y6, Y6)
	VXORPS(Y7, Y7, Y7)
	VMOVAPS(Y15, Y8)
	VXORPS(Y9, Y9, Y9)
	MOVQ(param("dp"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("lbStore"))
	label("lbStep")
	MOVQ(at(RDX, 0), RDI)
	VMOVUPS(idx(RDI, 0, R9, 4), Y10)
	VMULPS(stack(96), Y10, Y10)
	// Per map row two chains, even and odd columns: membrane m, ∂m/∂x dm,
	// the gradient sum a, 1 − spike o, the window w; x on the stack.
	for _, c := range []struct {
		m, dm, a, o, w VecPhysical
		x              int
	}{{Y0, Y1, Y2, Y3, Y4, 128}, {Y5, Y6, Y7, Y8, Y9, 160}} {
		VMULPS(c.w, c.m, Y11) // dm = d·(dm·o − m·w·dm) + 1
		VMULPS(c.dm, Y11, Y11)
		VMULPS(c.o, c.dm, Y12)
		VSUBPS(Y11, Y12, Y12)
		VMULPS(stack(0), Y12, Y12)
		VADDPS(Y15, Y12, c.dm)
		VMULPS(stack(0), c.m, c.m) // m = d·m·o + x
		VMULPS(c.o, c.m, c.m)
		VADDPS(stack(c.x), c.m, c.m)
		VCMPPS(U8(0x1e), stack(32), c.m, Y11) // o = 1 − [m > θ]
		VANDPS(Y15, Y11, Y11)
		VSUBPS(Y11, Y15, c.o)
		VSUBPS(stack(32), c.m, Y11) // w = [|m − θ| < lens]
		VANDPS(stack(192), Y11, Y11)
		VCMPPS(U8(0x11), stack(64), Y11, Y11)
		VANDPS(Y15, Y11, c.w)
		VMULPS(c.dm, c.w, Y11) // a += dPooled/4 · w · dm
		VMULPS(Y11, Y10, Y11)
		VADDPS(Y11, c.a, c.a)
	}
	ADDQ(U8(8), RDX)
	DECQ(RCX)
	JNZ(lbl("lbStep"))
	label("lbStore")
	VMOVDQU(k.joinIdx, Y15)
	join(Y2, Y7, RBX)
	INCQ(R10)
	CMPQ(R10, U8(2))
	JLT(lbl("lbRow"))
	JMP(lbl("lbBlock"))
	label("lbDone")
	VZEROUPPER()
	RET()
}

// pooledStepForward writes PooledStepForward.
func pooledStepForward(k consts) {
	TEXT("PooledStepForward", NOSPLIT, "func(th float32, steps int, in0, in1 *float32, half int, out *uintptr)")
	Pragma("noescape")
	Doc("PooledStepForward runs one pooled row of the Pooled binary unit.")
	VBROADCASTSS(param("th"), Y12)
	VBROADCASTSS(k.quarter, Y11)
	VXORPS(Y10, Y10, Y10)
	MOVQ(param("half"), RAX)
	XORQ(R8, R8)
	label("sfBlock")
	blocks(lbl("sfDone"))
	blockInputs(k)
	VBROADCASTSS(k.one, Y15)
	for j := range 4 { // s = [max(x, 0) > θ]
		x := ymm(j)
		VMAXPS(Y10, x, x)
		VCMPPS(U8(0x1e), Y12, x, x)
		VANDPS(Y15, x, x)
	}
	VADDPS(Y1, Y0, Y0)
	VADDPS(Y2, Y0, Y0)
	VADDPS(Y3, Y0, Y0)
	VMULPS(Y11, Y0, Y0)
	MOVQ(param("out"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("sfBlock"))
	label("sfStep")
	MOVQ(at(RDX, 0), RDI)
	VMOVUPS(Y0, idx(RDI, 0, R9, 4))
	ADDQ(U8(8), RDX)
	DECQ(RCX)
	JNZ(lbl("sfStep"))
	JMP(lbl("sfBlock"))
	label("sfDone")
	VZEROUPPER()
	RET()
}

// pooledStepBackward writes PooledStepBackward.
func pooledStepBackward(k consts) {
	TEXT("PooledStepBackward", NOSPLIT, "func(th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr)")
	Pragma("noescape")
	Doc("PooledStepBackward runs one pooled row of the Pooled binary unit's",
		"backward.")
	VBROADCASTSS(param("th"), Y12)
	VBROADCASTSS(param("lens"), Y11)
	VBROADCASTSS(k.quarter, Y9)
	VXORPS(Y10, Y10, Y10)
	MOVQ(param("half"), RAX)
	XORQ(R8, R8)
	label("sbBlock")
	blocks(lbl("sbDone"))
	XORQ(R10, R10)
	label("sbRow")
	rowInputs(k, R10, "sbHave")
	VBROADCASTSS(k.one, Y15)
	// ds = [|x − θ| < lens]·[x > 0] for the even (Y2) and odd (Y3) columns.
	for _, c := range [][2]VecPhysical{{Y0, Y2}, {Y1, Y3}} {
		x, ds := c[0], c[1]
		VSUBPS(Y12, x, Y13)
		VSUBPS(Y13, Y10, Y14)
		VMAXPS(Y14, Y13, Y13)
		VCMPPS(U8(0x1e), Y13, Y11, Y13)
		VANDPS(Y15, Y13, ds)
		VCMPPS(U8(0x1e), Y10, x, Y13)
		VANDPS(Y13, ds, ds)
	}
	VXORPS(Y4, Y4, Y4)
	VXORPS(Y5, Y5, Y5)
	MOVQ(param("dp"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("sbStore"))
	label("sbStep")
	MOVQ(at(RDX, 0), RDI)
	VMOVUPS(idx(RDI, 0, R9, 4), Y6)
	VMULPS(Y9, Y6, Y6)
	VMULPS(Y2, Y6, Y7)
	VADDPS(Y7, Y4, Y4)
	VMULPS(Y3, Y6, Y7)
	VADDPS(Y7, Y5, Y5)
	ADDQ(U8(8), RDX)
	DECQ(RCX)
	JNZ(lbl("sbStep"))
	label("sbStore")
	VMOVDQU(k.joinIdx, Y15)
	join(Y4, Y5, RBX)
	INCQ(R10)
	CMPQ(R10, U8(2))
	JLT(lbl("sbRow"))
	JMP(lbl("sbBlock"))
	label("sbDone")
	VZEROUPPER()
	RET()
}

// pooledHHForward writes PooledHHForward.
func pooledHHForward(k consts) {
	TEXT("PooledHHForward", NOSPLIT, "func(dt, th float32, steps int, in0, in1 *float32, half int, leak, drive *float32, out *uintptr)")
	Pragma("noescape")
	Doc("PooledHHForward runs one pooled row of package nn's Pooled HH",
		"forward; leak and drive are the [t][parity][half] tables.")
	AllocLocal(64)
	broadcastTo(0, param("th"))
	broadcastTo(32, k.quarter)
	MOVQ(param("half"), RAX)
	XORQ(R8, R8)
	label("hfBlock")
	blocks(lbl("hfDone"))
	blockInputs(k)
	VBROADCASTSS(param("dt"), Y15)
	for j := range 4 { // x·dt in Y0–Y3, v in Y4–Y7
		VMULPS(ymm(j), Y15, ymm(j))
	}
	VBROADCASTSS(k.one, Y15)
	for j := range 4 {
		zero(ymm(4 + j))
	}
	MOVQ(param("leak"), R10)
	LEAQ(idx(R10, 0, R9, 4), R10)
	MOVQ(param("drive"), R11)
	LEAQ(idx(R11, 0, R9, 4), R11)
	MOVQ(param("out"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("hfBlock"))
	label("hfStep")
	VMOVUPS(at(R10, 0), Y8)
	VMOVUPS(idx(R10, 0, RAX, 4), Y9)
	VMOVUPS(at(R11, 0), Y10)
	VMOVUPS(idx(R11, 0, RAX, 4), Y11)
	// Leak and drive of the even columns in Y8, Y10, of the odd in Y9, Y11.
	for j := range 4 { // v = v·L + x·dt + D
		v, odd := ymm(4+j), j%2
		VMULPS(ymm(8+odd), v, v)
		VADDPS(ymm(j), v, v)
		VADDPS(ymm(10+odd), v, v)
	}
	VCMPPS(U8(0x1e), stack(0), Y4, Y12)
	VANDPS(Y15, Y12, Y12)
	for j := 1; j < 4; j++ { // the spikes' sum, in chain order
		VCMPPS(U8(0x1e), stack(0), ymm(4+j), Y13)
		VANDPS(Y15, Y13, Y13)
		VADDPS(Y13, Y12, Y12)
	}
	VMULPS(stack(32), Y12, Y12)
	MOVQ(at(RDX, 0), RDI)
	VMOVUPS(Y12, idx(RDI, 0, R9, 4))
	ADDQ(U8(8), RDX)
	LEAQ(idx(R10, 0, RAX, 8), R10)
	LEAQ(idx(R11, 0, RAX, 8), R11)
	DECQ(RCX)
	JNZ(lbl("hfStep"))
	JMP(lbl("hfBlock"))
	label("hfDone")
	VZEROUPPER()
	RET()
}

// pooledHHBackward writes PooledHHBackward.
//
// Per map row, the even and odd columns' chains side by side (v, dv, a).
func pooledHHBackward(k consts) {
	TEXT("PooledHHBackward", NOSPLIT, "func(dt, th, lens float32, detach bool, steps int, in0, in1, dIn0, dIn1 *float32, half int, leak, drive *float32, dp *uintptr)")
	Pragma("noescape")
	Doc("PooledHHBackward runs one pooled row of the Pooled HH backward.")
	AllocLocal(128)
	broadcastTo(0, param("th"))
	broadcastTo(32, param("lens"))
	broadcastTo(64, k.quarter)
	broadcastTo(96, k.absMask)
	MOVQ(param("half"), RAX)
	XORQ(R8, R8)
	label("hbBlock")
	blocks(lbl("hbDone"))
	XORQ(R12, R12)
	label("hbRow")
	rowInputs(k, R12, "hbHave")
	VBROADCASTSS(param("dt"), Y14)
	VMULPS(Y0, Y14, Y0)
	VMULPS(Y1, Y14, Y1)
	VBROADCASTSS(k.one, Y15)
	VXORPS(Y2, Y2, Y2)
	VXORPS(Y3, Y3, Y3)
	VXORPS(Y4, Y4, Y4)
	VXORPS(Y5, Y5, Y5)
	VXORPS(Y6, Y6, Y6)
	VXORPS(Y7, Y7, Y7)
	MOVQ(param("leak"), R10)
	LEAQ(idx(R10, 0, R9, 4), R10)
	MOVQ(param("drive"), R11)
	LEAQ(idx(R11, 0, R9, 4), R11)
	MOVQ(param("dp"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("hbStore"))
	label("hbStep")
	MOVQ(at(RDX, 0), RDI)
	VMOVUPS(idx(RDI, 0, R9, 4), Y8)
	VMULPS(stack(64), Y8, Y8)
	// Per map row two chains, even and odd columns: x·dt, v, ∂v/∂x dv and
	// the gradient sum a; the odd columns' leak and drive are half values on.
	for _, c := range []struct {
		x, v, dv, a VecPhysical
		name        string
		odd         bool
	}{{Y0, Y2, Y3, Y4, "hbE", false}, {Y1, Y5, Y6, Y7, "hbO", true}} {
		leak, drive := at(R10, 0), at(R11, 0)
		if c.odd {
			leak, drive = idx(R10, 0, RAX, 4), idx(R11, 0, RAX, 4)
		}
		VMOVUPS(leak, Y9) // v = v·L + x·dt + D
		VMULPS(Y9, c.v, c.v)
		VADDPS(c.x, c.v, c.v)
		VADDPS(drive, c.v, c.v)
		CMPB(param("detach"), U8(0)) // dv = dv·L + dt, or dv + dt detached
		JNE(lbl("%sDetached", c.name))
		VMULPS(Y9, c.dv, c.dv)
		label("%sDetached", c.name)
		VADDPS(Y14, c.dv, c.dv)
		VSUBPS(stack(0), c.v, Y10) // a += dPooled/4 · [|v − θ| < lens] · dv
		VANDPS(stack(96), Y10, Y10)
		VCMPPS(U8(0x11), stack(32), Y10, Y10)
		VANDPS(Y15, Y10, Y10)
		VMULPS(c.dv, Y10, Y10)
		VMULPS(Y10, Y8, Y10)
		VADDPS(Y10, c.a, c.a)
	}
	ADDQ(U8(8), RDX)
	LEAQ(idx(R10, 0, RAX, 8), R10)
	LEAQ(idx(R11, 0, RAX, 8), R11)
	DECQ(RCX)
	JNZ(lbl("hbStep"))
	label("hbStore")
	VMOVDQU(k.joinIdx, Y15)
	join(Y4, Y7, RBX)
	INCQ(R12)
	CMPQ(R12, U8(2))
	JLT(lbl("hbRow"))
	JMP(lbl("hbBlock"))
	label("hbDone")
	VZEROUPPER()
	RET()
}

// pooledSLIFBackward writes PooledSLIFBackward.
//
// One pooled row of Pooled's s-LIF2HH backward (forward replay with the
// tangents a = ∂m_q/∂x_q, c = ∂m_3/∂x_q, e = ∂m_3/∂w_q, f = ∂m_3/∂b): in0
// and dIn0 point at map row 2y of input channel 0 (channels size apart,
// rows side apart). For every block and chain (map row r, column parity
// p) the chain's four mixing-gradient sums (8 lanes each) go to mixOut,
// 32 values per chain in (block, r, p) order, for the caller to add up.
func pooledSLIFBackward(k consts) {
	TEXT("PooledSLIFBackward", 0, "func(d, th, lens float32, steps int, mix *[4]float32, in0, dIn0 *float32, size, side, half int, dp *uintptr, mixOut *float32)")
	Pragma("noescape")
	Doc("PooledSLIFBackward runs one pooled row of package nn's Pooled",
		"s-LIF2HH backward; mix holds w₁, w₂, w₃, b; mixOut receives 32 sums per",
		"chain (see the generator).")
	// The frame: broadcast constants, the block's inputs by column parity
	// (xe, xo: three channels), and per chain the tangents e, the input
	// gradients dI, the mixing sums mixU and the even chain's dI (dIe).
	AllocLocal(896)
	slot := map[string]int{"d": 0, "th": 32, "lens": 64, "abs": 96, "w0": 128, "w1": 160, "w2": 192, "bias": 224,
		"quarter": 256, "xe": 288, "xo": 384, "e": 480, "dI": 576, "mixU": 672, "dIe": 800}
	fr := func(name string, i int) Mem { return stack(slot[name] + 32*i) }
	d, th, lens, abs := fr("d", 0), fr("th", 0), fr("lens", 0), fr("abs", 0)
	// window sets dst to [|m − θ| < lens]; oneMinusSpike to 1 − [m > θ]
	// (Y11 holds 1).
	window := func(m, dst VecPhysical) {
		VSUBPS(th, m, dst)
		VANDPS(abs, dst, dst)
		VCMPPS(U8(0x11), lens, dst, dst)
		VANDPS(Y11, dst, dst)
	}
	oneMinusSpike := func(m, dst VecPhysical) {
		VCMPPS(U8(0x1e), th, m, dst)
		VANDPS(Y11, dst, dst)
		VSUBPS(dst, Y11, dst)
	}
	for _, c := range []struct {
		name string
		src  Mem
	}{{"d", param("d")}, {"th", param("th")}, {"lens", param("lens")}, {"abs", k.absMask}, {"quarter", k.quarter}} {
		VBROADCASTSS(c.src, Y12)
		VMOVUPS(Y12, fr(c.name, 0))
	}
	MOVQ(param("mix"), RAX)
	weights := []string{"w0", "w1", "w2", "bias"}
	for q, name := range weights {
		VBROADCASTSS(at(RAX, 4*q), Y12)
		VMOVUPS(Y12, fr(name, 0))
	}
	MOVQ(param("half"), RAX)
	MOVQ(param("mixOut"), R14)
	XORQ(R8, R8)
	label("slBlock")
	blocks(lbl("slDone"))
	XORQ(R10, R10)
	label("slRow")
	MOVQ(param("side"), R11)
	IMULQ(R10, R11)
	SHLQ(U8(2), R11)
	MOVQ(param("in0"), RSI)
	ADDQ(R11, RSI)
	LEAQ(idx(RSI, 0, R9, 8), RSI)
	MOVQ(param("size"), R12)
	SHLQ(U8(2), R12)
	VMOVDQU(k.splitIdx, Y15)
	for c := range 3 {
		split(RSI, Y0, Y1)
		VMOVUPS(Y0, fr("xe", c))
		VMOVUPS(Y1, fr("xo", c))
		ADDQ(R12, RSI)
	}
	VBROADCASTSS(k.one, Y11)
	XORQ(R13, R13)
	label("slChain")
	LEAQ(fr("xe", 0), RBX)
	TESTQ(R13, R13)
	JZ(lbl("slInit"))
	LEAQ(fr("xo", 0), RBX)
	label("slInit")
	// m₀…m₃ in Y0–Y3, a in Y4–Y6, c in Y7–Y9, f in Y10.
	for r := range 11 {
		zero(ymm(r))
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"e", 3}, {"dI", 3}, {"mixU", 4}} {
		for i := range c.n {
			VMOVUPS(Y0, fr(c.name, i))
		}
	}
	MOVQ(param("dp"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("slChainEnd"))
	label("slStep")
	// The tangents through sub-neuron 4's decay, reset and spike: r3 =
	// m₃·window in Y12, 1 − s₃ in Y13.
	window(Y3, Y12)
	VMULPS(Y12, Y3, Y12)
	oneMinusSpike(Y3, Y13)
	for q := range 3 {
		m, a, c := ymm(q), ymm(4+q), ymm(7+q)
		e, w := fr("e", q), fr(weights[q], 0)
		VMULPS(Y13, c, Y14) // c = d·(c·(1 − s₃) − r3·c) + w·a
		VMULPS(c, Y12, Y15)
		VSUBPS(Y15, Y14, Y14)
		VMULPS(d, Y14, Y14)
		VMULPS(w, a, Y15)
		VADDPS(Y15, Y14, c)
		VMULPS(e, Y13, Y14) // e = d·(e·(1 − s₃) − r3·e) + m
		VMULPS(e, Y12, Y15)
		VSUBPS(Y15, Y14, Y14)
		VMULPS(d, Y14, Y14)
		VADDPS(m, Y14, Y14)
		VMOVUPS(Y14, e)
		oneMinusSpike(m, Y14) // a = d·(a·(1 − s) − m·window·a) + 1
		VMULPS(Y14, a, Y14)
		window(m, Y15)
		VMULPS(Y15, m, Y15)
		VMULPS(a, Y15, Y15)
		VSUBPS(Y15, Y14, Y14)
		VMULPS(d, Y14, Y14)
		VADDPS(Y11, Y14, a)
	}
	VMULPS(Y13, Y10, Y14) // f = d·(f·(1 − s₃) − r3·f) + 1
	VMULPS(Y10, Y12, Y15)
	VSUBPS(Y15, Y14, Y14)
	VMULPS(d, Y14, Y14)
	VADDPS(Y11, Y14, Y10)
	VMULPS(d, Y3, Y14) // m₃ = d·m₃·(1 − s₃) + w₀m₀ + w₁m₁ + w₂m₂ + b
	VMULPS(Y13, Y14, Y14)
	for q := range 3 {
		VMULPS(fr(weights[q], 0), ymm(q), Y15)
		VADDPS(Y15, Y14, Y14)
	}
	VADDPS(fr("bias", 0), Y14, Y14)
	for q := range 3 { // m = d·m·(1 − s) + x
		m := ymm(q)
		oneMinusSpike(m, Y12)
		VMULPS(d, m, m)
		VMULPS(Y12, m, m)
		VADDPS(at(RBX, 32*q), m, m)
	}
	VMOVAPS(Y14, Y3)
	// ds = dPooled/4 in Y12, g3 = ds·window(m₃) in Y13.
	MOVQ(at(RDX, 0), RDI)
	VMOVUPS(idx(RDI, 0, R9, 4), Y12)
	VMULPS(fr("quarter", 0), Y12, Y12)
	window(Y3, Y13)
	VMULPS(Y13, Y12, Y13)
	for q := range 3 {
		m, a, c := ymm(q), ymm(4+q), ymm(7+q)
		window(m, Y14) // dI += ds·window·a + g3·c
		VMULPS(Y14, Y12, Y14)
		VMULPS(a, Y14, Y14)
		VMULPS(c, Y13, Y15)
		VADDPS(Y15, Y14, Y14)
		VADDPS(fr("dI", q), Y14, Y14)
		VMOVUPS(Y14, fr("dI", q))
		VMULPS(fr("e", q), Y13, Y15) // mixU += g3·e
		VADDPS(fr("mixU", q), Y15, Y15)
		VMOVUPS(Y15, fr("mixU", q))
	}
	VMULPS(Y10, Y13, Y15) // mixU₃ += g3·f
	VADDPS(fr("mixU", 3), Y15, Y15)
	VMOVUPS(Y15, fr("mixU", 3))
	ADDQ(U8(8), RDX)
	DECQ(RCX)
	JNZ(lbl("slStep"))
	label("slChainEnd")
	for q := range 4 {
		VMOVUPS(fr("mixU", q), Y14)
		VMOVUPS(Y14, at(R14, 32*q))
	}
	ADDQ(U32(128), R14)
	TESTQ(R13, R13)
	JNZ(lbl("slJoin"))
	for q := range 3 {
		VMOVUPS(fr("dI", q), Y14)
		VMOVUPS(Y14, fr("dIe", q))
	}
	INCQ(R13)
	JMP(lbl("slChain"))
	label("slJoin")
	MOVQ(param("side"), R11)
	IMULQ(R10, R11)
	SHLQ(U8(2), R11)
	MOVQ(param("dIn0"), RBX)
	ADDQ(R11, RBX)
	LEAQ(idx(RBX, 0, R9, 8), RBX)
	VMOVDQU(k.joinIdx, Y15)
	for q := range 3 {
		VMOVUPS(fr("dIe", q), Y0)
		VMOVUPS(fr("dI", q), Y1)
		join(Y0, Y1, RBX)
		ADDQ(R12, RBX)
	}
	INCQ(R10)
	CMPQ(R10, U8(2))
	JLT(lbl("slRow"))
	JMP(lbl("slBlock"))
	label("slDone")
	VZEROUPPER()
	RET()
}

// pooledSLIFForward writes PooledSLIFForward.
func pooledSLIFForward(k consts) {
	TEXT("PooledSLIFForward", NOSPLIT, "func(d, th float32, steps int, mix *[4]float32, in0 *float32, size, side, half int, out *uintptr)")
	Pragma("noescape")
	Doc("PooledSLIFForward runs one pooled row of package nn's Pooled",
		"s-LIF2HH forward; mix holds w₁, w₂, w₃, b.")
	AllocLocal(224)
	broadcastTo(0, param("d"))
	broadcastTo(32, param("th"))
	MOVQ(param("mix"), RAX)
	for q := range 4 { // w₀, w₁, w₂, b
		broadcastTo(64+32*q, at(RAX, 4*q))
	}
	broadcastTo(192, k.quarter)
	MOVQ(param("half"), RAX)
	MOVQ(param("size"), R12)
	SHLQ(U8(2), R12)
	XORQ(R8, R8)
	label("sfsBlock")
	blocks(lbl("sfsDone"))
	XORQ(R10, R10)
	label("sfsGroup")
	MOVQ(R10, R11)
	SHRQ(U8(1), R11)
	IMULQ(param("side"), R11)
	SHLQ(U8(2), R11)
	MOVQ(param("in0"), RSI)
	ADDQ(R11, RSI)
	LEAQ(idx(RSI, 0, R9, 8), RSI)
	VMOVDQU(k.splitIdx, Y15)
	for c := range 3 { // the group's column parity of channel c in Yc
		x := ymm(c)
		split(RSI, x, Y13)
		TESTQ(U32(1), R10)
		JZ(lbl("sfsEven%d", c))
		VMOVAPS(Y13, x)
		label("sfsEven%d", c)
		ADDQ(R12, RSI)
	}
	VBROADCASTSS(k.one, Y11)
	// m₀…m₃ in Y3–Y6, spikes s₀…s₃ in Y7–Y10.
	for r := 3; r <= 10; r++ {
		zero(ymm(r))
	}
	MOVQ(param("out"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("sfsNextGroup"))
	label("sfsStep")
	VMULPS(stack(0), Y6, Y12) // m₃ = d·m₃·(1 − s₃) + w₀m₀ + w₁m₁ + w₂m₂ + b
	VSUBPS(Y10, Y11, Y13)
	VMULPS(Y13, Y12, Y12)
	for q := range 3 {
		VMULPS(stack(64+32*q), ymm(3+q), Y13)
		VADDPS(Y13, Y12, Y12)
	}
	VADDPS(stack(160), Y12, Y12)
	for q := range 3 { // m = d·m·(1 − s) + x
		m := ymm(3 + q)
		VMULPS(stack(0), m, m)
		VSUBPS(ymm(7+q), Y11, Y13)
		VMULPS(Y13, m, m)
		VADDPS(ymm(q), m, m)
	}
	VMOVAPS(Y12, Y6)
	for q := range 4 { // s = [m > θ]
		s := ymm(7 + q)
		VCMPPS(U8(0x1e), stack(32), ymm(3+q), s)
		VANDPS(Y11, s, s)
	}
	VADDPS(Y8, Y7, Y12)
	VADDPS(Y9, Y12, Y12)
	VADDPS(Y10, Y12, Y12)
	MOVQ(at(RDX, 0), RDI)
	LEAQ(idx(RDI, 0, R9, 4), RDI)
	TESTQ(R10, R10)
	JZ(lbl("sfsFirst"))
	VADDPS(at(RDI, 0), Y12, Y12)
	label("sfsFirst")
	VMOVUPS(Y12, at(RDI, 0))
	ADDQ(U8(8), RDX)
	DECQ(RCX)
	JNZ(lbl("sfsStep"))
	label("sfsNextGroup")
	INCQ(R10)
	CMPQ(R10, U8(4))
	JLT(lbl("sfsGroup"))
	MOVQ(param("out"), RDX)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("sfsBlock"))
	label("sfsScale")
	MOVQ(at(RDX, 0), RDI)
	LEAQ(idx(RDI, 0, R9, 4), RDI)
	VMOVUPS(at(RDI, 0), Y12)
	VMULPS(stack(192), Y12, Y12)
	VMOVUPS(Y12, at(RDI, 0))
	ADDQ(U8(8), RDX)
	DECQ(RCX)
	JNZ(lbl("sfsScale"))
	JMP(lbl("sfsBlock"))
	label("sfsDone")
	VZEROUPPER()
	RET()
}
