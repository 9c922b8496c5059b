package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// slifStepForward writes SLIFStepForward.
//
// p: previous membranes pm₀…pm₃ (unread when first: zero), inputs in₀…in₂,
// membranes m₀…m₃, spikes s₀…s₃. For eight units at a time (n a multiple
// of 8): m_k = d·pm_k·(1 − [pm_k > θ]) + in_k (k < 3);
// m₃ = d·pm₃·(1 − [pm₃ > θ]) + w₀·pm₀ + w₁·pm₁ + w₂·pm₂ + b; s_k = [m_k > θ].
func slifStepForward(k consts) {
	TEXT("SLIFStepForward", NOSPLIT, "func(d, th float32, mix *[4]float32, p *[15]uintptr, first bool, n int)")
	Pragma("noescape")
	Doc("SLIFStepForward is package nn's per-step s-LIF2HH forward for n",
		"units, n a multiple of 8; p holds the rows' addresses (see the generator).")
	AllocLocal(128)
	// d, w₀, w₁, w₂ on the stack; b in Y13, θ in Y14, 1 in Y15.
	broadcastTo(0, param("d"))
	MOVQ(param("mix"), RAX)
	for q := range 3 {
		broadcastTo(32+32*q, at(RAX, 4*q))
	}
	VBROADCASTSS(at(RAX, 12), Y13)
	VBROADCASTSS(param("th"), Y14)
	VBROADCASTSS(k.one, Y15)
	MOVQ(param("p"), RSI)
	MOVBLZX(param("first"), EBX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("ssfDone"))
	XORQ(RCX, RCX)
	// row is the vector of p's row r at the current units (CX bytes in).
	row := func(r int) Mem {
		MOVQ(at(RSI, 8*r), RAX)
		return idx(RAX, 0, RCX, 1)
	}
	label("ssfVec")
	TESTQ(RBX, RBX)
	JZ(lbl("ssfLoad"))
	for q := range 4 {
		zero(ymm(q))
	}
	JMP(lbl("ssfHave"))
	label("ssfLoad")
	for q := range 4 { // pm in Y0–Y3
		VMOVUPS(row(q), ymm(q))
	}
	label("ssfHave")
	for q := range 4 { // 1 − [pm > θ] in Y4–Y7
		o := ymm(4 + q)
		VCMPPS(U8(0x1e), Y14, ymm(q), o)
		VANDPS(Y15, o, o)
		VSUBPS(o, Y15, o)
	}
	for q := range 3 { // m in Y8–Y10
		m := ymm(8 + q)
		VMULPS(stack(0), ymm(q), m)
		VMULPS(ymm(4+q), m, m)
		VADDPS(row(4+q), m, m)
	}
	VMULPS(stack(0), Y3, Y11) // m₃ in Y11
	VMULPS(Y7, Y11, Y11)
	for q := range 3 {
		VMULPS(stack(32+32*q), ymm(q), Y12)
		VADDPS(Y12, Y11, Y11)
	}
	VADDPS(Y13, Y11, Y11)
	for q := range 4 { // store m and s = [m > θ]
		m := ymm(8 + q)
		VMOVUPS(m, row(7+q))
		VCMPPS(U8(0x1e), Y14, m, Y12)
		VANDPS(Y15, Y12, Y12)
		VMOVUPS(Y12, row(11+q))
	}
	nextVector("ssfVec", "ssfDone", RCX)
}

// slifStepBackward writes SLIFStepBackward.
//
// p: membranes m₀…m₃ of the step, carried gradients n₀…n₃ (dmNext, read
// and overwritten), spike gradients g₀…g₃, input gradients dIn₀…dIn₂. For
// eight units at a time (n a multiple of 8):
//
//	acc_k += n₃·m_k (k < 3, unless the last step)
//	dm_k = n_k·d·(1 − [m_k > θ]) (+ n₃·w_k for k < 3) + (g_k + (0 − n_k)·d·m_k)·[|m_k − θ| < lens]
//	n_k = dm_k;  dIn_k += dm_k (k < 3);  acc₃ += dm₃
//
// acc holds eight lanes per sum and is added to, not overwritten.
func slifStepBackward(k consts) {
	TEXT("SLIFStepBackward", NOSPLIT, "func(d, th, lens float32, mix *[4]float32, p *[15]uintptr, notLast bool, n int, acc *[32]float32)")
	Pragma("noescape")
	Doc("SLIFStepBackward is package nn's per-step s-LIF2HH backward for n",
		"units, n a multiple of 8; p holds the rows' addresses and acc receives",
		"the mixing gradient's eight lane sums per weight (see the generator).")
	AllocLocal(224)
	// d, θ, lens, |·| mask, w₀, w₁, w₂ on the stack; 1 in Y15.
	for q, src := range []Mem{param("d"), param("th"), param("lens"), k.absMask} {
		broadcastTo(32*q, src)
	}
	MOVQ(param("mix"), RAX)
	for q := range 3 {
		broadcastTo(128+32*q, at(RAX, 4*q))
	}
	VBROADCASTSS(k.one, Y15)
	MOVQ(param("p"), RSI)
	MOVBLZX(param("notLast"), EBX)
	MOVQ(param("acc"), RDI)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("ssbDone"))
	XORQ(RCX, RCX)
	row := func(r int) Mem {
		MOVQ(at(RSI, 8*r), RAX)
		return idx(RAX, 0, RCX, 1)
	}
	label("ssbVec")
	for q := range 4 { // m in Y0–Y3, n in Y4–Y7
		VMOVUPS(row(q), ymm(q))
		VMOVUPS(row(4+q), ymm(4+q))
	}
	TESTQ(RBX, RBX)
	JZ(lbl("ssbNoMix"))
	for q := range 3 { // acc_q += n₃·m_q
		VMULPS(ymm(q), Y7, Y12)
		VADDPS(at(RDI, 32*q), Y12, Y12)
		VMOVUPS(Y12, at(RDI, 32*q))
	}
	label("ssbNoMix")
	for q := range 4 {
		m, n := ymm(q), ymm(4+q)
		VMULPS(stack(0), n, Y12) // cMem = n·d·(1 − [m > θ]) (+ n₃·w)
		VCMPPS(U8(0x1e), stack(32), m, Y13)
		VANDPS(Y15, Y13, Y13)
		VSUBPS(Y13, Y15, Y13)
		VMULPS(Y13, Y12, Y12)
		if q < 3 {
			VMULPS(stack(128+32*q), Y7, Y13)
			VADDPS(Y13, Y12, Y12)
		}
		zero(Y13) // + (g + (0 − n)·d·m)·[|m − θ| < lens]
		VSUBPS(n, Y13, Y13)
		VMULPS(stack(0), Y13, Y13)
		VMULPS(m, Y13, Y13)
		VADDPS(row(8+q), Y13, Y13)
		VSUBPS(stack(32), m, Y14)
		VANDPS(stack(96), Y14, Y14)
		VCMPPS(U8(0x11), stack(64), Y14, Y14)
		VANDPS(Y14, Y13, Y13)
		VADDPS(Y13, Y12, Y12)
		VMOVUPS(Y12, row(4+q)) // n = dm
		if q < 3 {
			dIn := row(12 + q) // dIn += dm
			VADDPS(dIn, Y12, Y13)
			VMOVUPS(Y13, dIn)
		} else {
			VADDPS(at(RDI, 96), Y12, Y13) // acc₃ += dm₃
			VMOVUPS(Y13, at(RDI, 96))
		}
	}
	nextVector("ssbVec", "ssbDone", RCX)
}

// slifUnits writes SLIFUnits.
//
// The forward pass of eight s-LIF2HH units: p holds the three inputs' and
// the four counts' addresses. Each step m₃ = d·m₃·(1 − s₃) + w₀·m₀ +
// w₁·m₁ + w₂·m₂ + b from the previous membranes, m_k = d·m_k·(1 − s_k) +
// x_k (k < 3), s_k = [m_k > θ], c_k += s_k. With hist (steps × 4 × 8
// values) the membranes of every step go there and the counts are not
// written; without, the counts are.
func slifUnits(k consts) {
	TEXT("SLIFUnits", NOSPLIT, "func(d, th float32, mix *[4]float32, steps int, p *[7]uintptr, hist *float32)")
	Pragma("noescape")
	Doc("SLIFUnits is package nn's static s-LIF2HH forward for eight units",
		"(see the generator).")
	AllocLocal(288)
	broadcastTo(0, param("d"))
	broadcastTo(32, param("th"))
	MOVQ(param("mix"), RAX)
	for q := range 4 { // w₀, w₁, w₂, b
		broadcastTo(64+32*q, at(RAX, 4*q))
	}
	MOVQ(param("p"), RSI)
	for q := range 3 { // the inputs x₀, x₁, x₂
		MOVQ(at(RSI, 8*q), RAX)
		VMOVUPS(at(RAX, 0), Y12)
		VMOVUPS(Y12, stack(192+32*q))
	}
	VBROADCASTSS(k.one, Y15)
	// m₀…m₃ in Y0–Y3, spikes in Y4–Y7, counts in Y8–Y11.
	for r := range 12 {
		zero(ymm(r))
	}
	MOVQ(param("hist"), RDI)
	MOVQ(param("steps"), RCX)
	TESTQ(RCX, RCX)
	JZ(lbl("suStore"))
	label("suStep")
	VMULPS(stack(0), Y3, Y13)
	VSUBPS(Y7, Y15, Y14)
	VMULPS(Y14, Y13, Y13)
	for q := range 3 {
		VMULPS(stack(64+32*q), ymm(q), Y14)
		VADDPS(Y14, Y13, Y13)
	}
	VADDPS(stack(160), Y13, Y13)
	for q := range 3 { // m = d·m·(1 − s) + x
		m := ymm(q)
		VMULPS(stack(0), m, m)
		VSUBPS(ymm(4+q), Y15, Y14)
		VMULPS(Y14, m, m)
		VADDPS(stack(192+32*q), m, m)
	}
	VMOVAPS(Y13, Y3)
	TESTQ(RDI, RDI)
	JZ(lbl("suNoHist"))
	for q := range 4 {
		VMOVUPS(ymm(q), at(RDI, 32*q))
	}
	ADDQ(U32(128), RDI)
	label("suNoHist")
	for q := range 4 { // s = [m > θ], c += s
		sp := ymm(4 + q)
		VCMPPS(U8(0x1e), stack(32), ymm(q), sp)
		VANDPS(Y15, sp, sp)
		VADDPS(sp, ymm(8+q), ymm(8+q))
	}
	DECQ(RCX)
	JNZ(lbl("suStep"))
	label("suStore")
	MOVQ(param("hist"), RDI)
	TESTQ(RDI, RDI)
	JNZ(lbl("suDone"))
	for q := range 4 {
		MOVQ(at(RSI, 8*(3+q)), RAX)
		VMOVUPS(ymm(8+q), at(RAX, 0))
	}
	label("suDone")
	VZEROUPPER()
	RET()
}

// slifBackSub writes SLIFBackSub.
//
// One sub-neuron of eight static s-LIF2HH units back through time from
// the membranes in hist (steps × 4 × 8 values, sub-neuron k's at 8k).
// For k = 3, with g the spike-count gradient dCount: dm = cm + (g + cs)·[|m − θ| < lens] goes to dm3s (steps × 8)
// and is summed into dw (the bias gradient); cm = dm·d·(1 − [p > θ]) and
// cs = (0 − dm)·d·p with p the membrane of the step before. For k < 3,
// cm gains dm3s·wk, dm is summed into dIn and dm3s·p into dw. dIn and dw
// are overwritten.
func slifBackSub(k consts) {
	TEXT("SLIFBackSub", NOSPLIT, "func(d, th, lens, wk float32, k, steps int, hist, dm3s, dCount, dIn, dw *float32)")
	Pragma("noescape")
	Doc("SLIFBackSub walks one sub-neuron of eight static s-LIF2HH units back",
		"through time (see the generator).")
	VBROADCASTSS(k.one, Y15)
	VBROADCASTSS(param("d"), Y14)
	VBROADCASTSS(param("th"), Y13)
	VBROADCASTSS(param("lens"), Y12)
	VBROADCASTSS(param("wk"), Y11)
	VBROADCASTSS(k.absMask, Y10)
	MOVQ(param("k"), RBX)
	MOVQ(param("steps"), RCX)
	MOVQ(param("hist"), RSI)
	MOVQ(param("dm3s"), RDX)
	MOVQ(param("dCount"), RAX)
	VMOVUPS(at(RAX, 0), Y9)
	VXORPS(Y0, Y0, Y0)
	VXORPS(Y1, Y1, Y1)
	VXORPS(Y2, Y2, Y2)
	VXORPS(Y3, Y3, Y3)
	VXORPS(Y8, Y8, Y8)
	TESTQ(RCX, RCX)
	JZ(lbl("sbsStore"))
	MOVQ(RCX, R8)
	DECQ(R8)
	SHLQ(U8(7), R8)
	LEAQ(idx(RSI, 0, RBX, 8), RSI)
	LEAQ(idx(RSI, 0, RBX, 8), RSI)
	LEAQ(idx(RSI, 0, RBX, 8), RSI)
	LEAQ(idx(RSI, 0, RBX, 8), RSI)
	ADDQ(R8, RSI)
	MOVQ(RCX, R9)
	DECQ(R9)
	SHLQ(U8(5), R9)
	ADDQ(R9, RDX)
	label("sbsStep")
	VMOVUPS(at(RSI, 0), Y4)
	VSUBPS(Y13, Y4, Y5)
	VANDPS(Y10, Y5, Y5)
	VCMPPS(U8(0x1e), Y5, Y12, Y5)
	VADDPS(Y1, Y9, Y6)
	VANDPS(Y5, Y6, Y6)
	VADDPS(Y6, Y0, Y6)
	CMPQ(RBX, U8(3))
	JNE(lbl("sbsSub"))
	VMOVUPS(Y6, at(RDX, 0))
	VADDPS(Y6, Y2, Y2)
	JMP(lbl("sbsNext"))
	label("sbsSub")
	VADDPS(Y6, Y2, Y2)
	label("sbsNext")
	DECQ(RCX)
	JZ(lbl("sbsStore"))
	SUBQ(U32(128), RSI)
	VMOVUPS(at(RSI, 0), Y4)
	VMULPS(Y14, Y6, Y0)
	VCMPPS(U8(0x1e), Y13, Y4, Y5)
	VANDPS(Y15, Y5, Y5)
	VSUBPS(Y5, Y15, Y5)
	VMULPS(Y5, Y0, Y0)
	VXORPS(Y1, Y1, Y1)
	VSUBPS(Y6, Y1, Y1)
	VMULPS(Y14, Y1, Y1)
	VMULPS(Y4, Y1, Y1)
	CMPQ(RBX, U8(3))
	JEQ(lbl("sbsAdvance"))
	VMOVUPS(at(RDX, 0), Y7)
	VMULPS(Y4, Y7, Y5)
	VADDPS(Y5, Y3, Y3)
	VMULPS(Y11, Y7, Y5)
	VADDPS(Y5, Y0, Y0)
	label("sbsAdvance")
	SUBQ(U8(32), RDX)
	JMP(lbl("sbsStep"))
	label("sbsStore")
	CMPQ(RBX, U8(3))
	JNE(lbl("sbsStoreSub"))
	MOVQ(param("dw"), RAX)
	VMOVUPS(Y2, at(RAX, 0))
	JMP(lbl("sbsDone"))
	label("sbsStoreSub")
	MOVQ(param("dIn"), RAX)
	VMOVUPS(Y2, at(RAX, 0))
	MOVQ(param("dw"), RAX)
	VMOVUPS(Y3, at(RAX, 0))
	label("sbsDone")
	VZEROUPPER()
	RET()
}
