package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// stencil writes Stencil: for each entry, broadcast the value, then for
// each of the nine taps add value × the src row to the dst row, eight
// floats per FMA. Widths 1 to 5 (the channel counts of the models) run
// unrolled code, wider rows a loop.
func stencil() {
	TEXT("Stencil", NOSPLIT, "func(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, dBase, sBase *int32, n int)")
	Pragma("noescape")
	Doc("Stencil is tensor.Stencil's loop in AVX2 assembly; the tap offsets are in",
		"bytes, the bases in elements, and every row has been checked.")
	Load(Param("dst"), RDI)
	Load(Param("src"), RSI)
	Load(Param("width"), RCX)
	Load(Param("dTap"), R8)
	Load(Param("sTap"), R9)
	Load(Param("vals"), R10)
	Load(Param("dBase"), R11)
	Load(Param("sBase"), R12)
	Load(Param("n"), R13)
	for w := 1; w <= 5; w++ {
		CMPQ(RCX, U32(w))
		JEQ(lbl("entry%d", w))
	}
	JMP(lbl("entryN"))
	// row sets R15 and AX to tap t's dst and src rows.
	row := func(dTap, sTap Mem) {
		MOVQ(dTap, R15)
		ADDQ(RBX, R15)
		MOVQ(sTap, RAX)
		ADDQ(RDX, RAX)
	}
	// rmw adds Y0 × the src vector at byte offset off to the dst vector there.
	rmw := func(off int, y VecPhysical) {
		VMOVUPS(at(R15, off), y)
		VFMADD231PS(at(RAX, off), Y0, y)
		VMOVUPS(y, at(R15, off))
	}
	// entry loads the next entry's value and rows, or leaves when none is left.
	entry := func() {
		TESTQ(R13, R13)
		JZ(lbl("done"))
		VBROADCASTSS(at(R10, 0), Y0)
		MOVLQSX(at(R11, 0), RBX)
		LEAQ(idx(RDI, 0, RBX, 4), RBX)
		MOVLQSX(at(R12, 0), RDX)
		LEAQ(idx(RSI, 0, RDX, 4), RDX)
	}
	// next steps to the following entry.
	next := func() {
		ADDQ(U8(4), R10)
		ADDQ(U8(4), R11)
		ADDQ(U8(4), R12)
		DECQ(R13)
	}
	for w := 1; w <= 5; w++ {
		label("entry%d", w)
		entry()
		for t := 0; t < 9; t++ {
			row(at(R8, 8*t), at(R9, 8*t))
			for j := 0; j < w; j++ {
				rmw(32*j, ymm(1+j))
			}
		}
		next()
		JMP(lbl("entry%d", w))
	}

	label("entryN")
	entry()
	XORQ(R14, R14)
	label("tapN")
	row(idx(R8, 0, R14, 1), idx(R9, 0, R14, 1))
	Load(Param("width"), RCX)
	label("vecN")
	rmw(0, Y1)
	ADDQ(U8(32), R15)
	ADDQ(U8(32), RAX)
	DECQ(RCX)
	JNZ(lbl("vecN"))
	ADDQ(U8(8), R14)
	CMPQ(R14, U8(72))
	JLT(lbl("tapN"))
	next()
	JMP(lbl("entryN"))

	label("done")
	VZEROUPPER()
	RET()
}

// gather writes Gather or, with skip, GatherSkip: output-stationary
// rows of a 3×3 convolution. For each entry three accumulator sets, one
// per kernel column kx (the first starts from the dst row, the others from
// zero), so that three independent FMA chains hide the FMA latency; for
// each kernel row ky and channel c the inputs at
// src + sBase + rowOff[ky] + c·cstride + kx·stride are broadcast and
// multiplied by weight row (ky·k + c)·3 + kx. The sets are summed
// ((A + B) + C) and stored. The skip form jumps over zero inputs.
func gather(name string, skip bool) {
	TEXT(name, NOSPLIT, "func(dst, src, w *float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase *int32, n int)")
	Pragma("noescape")
	if skip {
		Doc(name + " is Gather passing over zero inputs.")
	} else {
		Doc(name+" is tensor.Gather's loop in AVX2 assembly for widths 1 to 5;",
			"cstride is in bytes, other offsets in elements, and every row has been",
			"checked.")
	}
	Load(Param("dst"), RDI)
	Load(Param("src"), RSI)
	Load(Param("w"), R8)
	Load(Param("width"), RCX)
	Load(Param("stride"), R9)
	SHLQ(U8(2), R9)
	Load(Param("rowOff"), R10)
	Load(Param("dBase"), R11)
	Load(Param("sBase"), R12)
	Load(Param("n"), R13)
	for w := 1; w <= 5; w++ {
		CMPQ(RCX, U32(w))
		JEQ(lbl("%s%d", name, w))
	}
	JMP(lbl("%sdone", name))
	for w := 1; w <= 5; w++ {
		L := name + string(rune('0'+w))
		var sets [3][]VecPhysical
		for kx := range sets {
			for j := 0; j < w; j++ {
				sets[kx] = append(sets[kx], ymm(1+kx*w+j))
			}
		}
		a, b, c := sets[0], sets[1], sets[2]
		Label(L)
		TESTQ(R13, R13)
		JZ(lbl("%sdone", name))
		MOVLQSX(at(R11, 0), RBX)
		LEAQ(idx(RDI, 0, RBX, 4), RBX)
		for j := 0; j < w; j++ {
			VMOVUPS(at(RBX, 32*j), a[j])
			zero(b[j])
			zero(c[j])
		}
		MOVLQSX(at(R12, 0), RDX)
		LEAQ(idx(RSI, 0, RDX, 4), RDX)
		MOVQ(R8, R15)
		XORQ(R14, R14)
		Label(L + "row")
		MOVQ(idx(R10, 0, R14, 1), RAX)
		LEAQ(idx(RDX, 0, RAX, 4), RAX)
		Load(Param("k"), RCX)
		Label(L + "c")
		for kx, addr := range []Mem{at(RAX, 0), idx(RAX, 0, R9, 1), idx(RAX, 0, R9, 2)} {
			if skip {
				CMPL(addr, U8(0))
				JEQ(lbl("%sz%d", L, kx))
			}
			VBROADCASTSS(addr, Y0)
			for j := 0; j < w; j++ {
				VFMADD231PS(at(R15, 32*(kx*w+j)), Y0, sets[kx][j])
			}
			if skip {
				label("%sz%d", L, kx)
			}
		}
		ADDQ(param("cstride"), RAX)
		ADDQ(U32(96*w), R15)
		DECQ(RCX)
		JNZ(lbl("%sc", L))
		ADDQ(U8(8), R14)
		CMPQ(R14, U8(24))
		JLT(lbl("%srow", L))
		for j := 0; j < w; j++ {
			VADDPS(b[j], a[j], a[j])
			VADDPS(c[j], a[j], a[j])
			VMOVUPS(a[j], at(RBX, 32*j))
		}
		ADDQ(U8(4), R11)
		ADDQ(U8(4), R12)
		DECQ(R13)
		JMP(LabelRef(L))
	}
	label("%sdone", name)
	VZEROUPPER()
	RET()
}

// correlate writes Correlate: weight-gradient rows of a 3×3
// convolution, the sums in registers. Three accumulator sets kx = 0, 1, 2
// of width vectors; for each of h rows y and w positions x, the inputs
// src[y·srcRow + x + kx] (all three zero: skipped) are broadcast and
// multiplied by the dy vector row at y·dyRow + x·dyPos. At the end set kx
// is added to the dst row at kx·dstStride. Strides are in elements.
func correlate() {
	const name = "Correlate"
	TEXT(name, NOSPLIT, "func(dst *float32, dstStride int, src *float32, srcRow int, dy *float32, dyRow, dyPos, width, h, w int)")
	Pragma("noescape")
	Doc(name+" is tensor.Correlate's loop in AVX2 assembly for widths 1",
		"to 5; every row has been checked.")
	Load(Param("src"), RSI)
	Load(Param("srcRow"), R8)
	SHLQ(U8(2), R8)
	Load(Param("dy"), RDX)
	Load(Param("dyRow"), R9)
	SHLQ(U8(2), R9)
	Load(Param("dyPos"), R10)
	SHLQ(U8(2), R10)
	Load(Param("width"), RCX)
	Load(Param("h"), R11)
	Load(Param("w"), R12)
	for w := 1; w <= 5; w++ {
		CMPQ(RCX, U32(w))
		JEQ(lbl("%s%d", name, w))
	}
	JMP(lbl("%sdone", name))
	for w := 1; w <= 5; w++ {
		L := fmt.Sprintf("%s%d", name, w)
		var sets [3][]VecPhysical
		for kx := range sets {
			for j := 0; j < w; j++ {
				sets[kx] = append(sets[kx], ymm(1+kx*w+j))
			}
		}
		Label(L)
		for kx := range sets {
			for _, r := range sets[kx] {
				zero(r)
			}
		}
		TESTQ(R11, R11)
		JZ(lbl("%send", L))
		label("%sy", L)
		MOVQ(RSI, RAX)
		MOVQ(RDX, RBX)
		MOVQ(R12, RCX)
		label("%sx", L)
		MOVL(at(RAX, 0), R13L)
		ORL(at(RAX, 4), R13L)
		ORL(at(RAX, 8), R13L)
		JZ(lbl("%sskip", L))
		for kx := range sets {
			VBROADCASTSS(at(RAX, 4*kx), Y0)
			for j := 0; j < w; j++ {
				VFMADD231PS(at(RBX, 32*j), Y0, sets[kx][j])
			}
		}
		label("%sskip", L)
		ADDQ(U8(4), RAX)
		ADDQ(R10, RBX)
		DECQ(RCX)
		JNZ(lbl("%sx", L))
		ADDQ(R8, RSI)
		ADDQ(R9, RDX)
		DECQ(R11)
		JNZ(lbl("%sy", L))
		label("%send", L)
		Load(Param("dst"), RDI)
		Load(Param("dstStride"), R8)
		SHLQ(U8(2), R8)
		for kx := range sets {
			for j, r := range sets[kx] {
				VADDPS(at(RDI, 32*j), r, r)
				VMOVUPS(r, at(RDI, 32*j))
			}
			if kx < 2 {
				ADDQ(R8, RDI)
			}
		}
		JMP(lbl("%sdone", name))
	}
	label("%sdone", name)
	VZEROUPPER()
	RET()
}

// taps are the nine 3×3 taps' operands at base, base + row and
// base + 2·row, kx floats in.
func taps(base, row Register) []Mem {
	var t []Mem
	for ky := 0; ky < 3; ky++ {
		for kx := 0; kx < 3; kx++ {
			m := at(base, 4*kx)
			if ky > 0 {
				m = idx(base, 4*kx, row, uint8(ky))
			}
			t = append(t, m)
		}
	}
	return t
}

// plane writes Plane and PlaneGrad: 3×3 convolutions of one input
// channel, eight positions of a map row per vector.
//
// Plane, for each output channel co: its nine weights and its bias
// broadcast into Y0–Y9; for each entry the eight outputs at
// dst + co·cstride + dBase are the bias plus the taps
// src[sBase + ky·srcRow + kx:][:8] times the weights, in two FMA chains
// (taps 0–4 from the bias, taps 5–8 from zero) added at the end.
//
// PlaneGrad, for each output channel co: ten accumulators (nine taps
// and the bias) start at zero; for each entry the dy vector at
// dy + co·cstride + dBase, ANDed with the entry's eight mask lanes, is added
// to the bias accumulator and multiplied into tap t's with
// src[sBase + ky·srcRow + kx:][:8]. At the end accumulator j is added to
// acc[(co·10 + j)·8:][:8].
func plane() {
	tp := taps(RDX, R9)
	TEXT("Plane", NOSPLIT, "func(dst *float32, cstride int, src *float32, srcRow int, w, bias *float32, cout int, dBase, sBase *int32, n int)")
	Pragma("noescape")
	Doc("Plane is tensor.Plane's loop in AVX2 assembly; offsets are in",
		"elements and every row has been checked.")
	Load(Param("dst"), RDI)
	Load(Param("cstride"), R10)
	SHLQ(U8(2), R10)
	Load(Param("src"), RSI)
	Load(Param("srcRow"), R9)
	SHLQ(U8(2), R9)
	Load(Param("w"), R8)
	Load(Param("bias"), RCX)
	Load(Param("cout"), R14)
	TESTQ(R14, R14)
	JZ(lbl("planeDone"))
	label("planeCo")
	for t := 0; t < 9; t++ {
		VBROADCASTSS(at(R8, 4*t), ymm(t))
	}
	VBROADCASTSS(at(RCX, 0), Y9)
	Load(Param("dBase"), R11)
	Load(Param("sBase"), R12)
	Load(Param("n"), R13)
	TESTQ(R13, R13)
	JZ(lbl("planeNextCo"))
	label("planeEntry")
	MOVLQSX(at(R11, 0), RBX)
	LEAQ(idx(RDI, 0, RBX, 4), RBX)
	MOVLQSX(at(R12, 0), RDX)
	LEAQ(idx(RSI, 0, RDX, 4), RDX)
	VMOVAPS(Y9, Y10)
	zero(Y11)
	for t := 0; t < 9; t++ {
		acc := Y10
		if t >= 5 {
			acc = Y11
		}
		VFMADD231PS(tp[t], ymm(t), acc)
	}
	VADDPS(Y11, Y10, Y10)
	VMOVUPS(Y10, at(RBX, 0))
	ADDQ(U8(4), R11)
	ADDQ(U8(4), R12)
	DECQ(R13)
	JNZ(lbl("planeEntry"))
	label("planeNextCo")
	ADDQ(R10, RDI)
	ADDQ(U8(36), R8)
	ADDQ(U8(4), RCX)
	DECQ(R14)
	JNZ(lbl("planeCo"))
	label("planeDone")
	VZEROUPPER()
	RET()

	TEXT("PlaneGrad", NOSPLIT, "func(acc, dy *float32, cstride int, src *float32, srcRow, cout int, dBase, sBase *int32, mask *uint32, n int)")
	Pragma("noescape")
	Doc("PlaneGrad is tensor.PlaneGrad's loop in AVX2 assembly; offsets are",
		"in elements and every row has been checked.")
	Load(Param("acc"), RDI)
	Load(Param("dy"), R8)
	Load(Param("cstride"), R10)
	SHLQ(U8(2), R10)
	Load(Param("src"), RSI)
	Load(Param("srcRow"), R9)
	SHLQ(U8(2), R9)
	Load(Param("cout"), R14)
	TESTQ(R14, R14)
	JZ(lbl("gradDone"))
	label("gradCo")
	for j := 0; j < 10; j++ {
		zero(ymm(j))
	}
	Load(Param("dBase"), R11)
	Load(Param("sBase"), R12)
	Load(Param("mask"), R15)
	Load(Param("n"), R13)
	TESTQ(R13, R13)
	JZ(lbl("gradStore"))
	label("gradEntry")
	MOVLQSX(at(R11, 0), RBX)
	VMOVUPS(idx(R8, 0, RBX, 4), Y10)
	VANDPS(at(R15, 0), Y10, Y10)
	MOVLQSX(at(R12, 0), RDX)
	LEAQ(idx(RSI, 0, RDX, 4), RDX)
	VADDPS(Y10, Y9, Y9)
	for t := 0; t < 9; t++ {
		VFMADD231PS(tp[t], Y10, ymm(t))
	}
	ADDQ(U8(4), R11)
	ADDQ(U8(4), R12)
	ADDQ(U8(32), R15)
	DECQ(R13)
	JNZ(lbl("gradEntry"))
	label("gradStore")
	for j := 0; j < 10; j++ {
		VADDPS(at(RDI, 32*j), ymm(j), ymm(j))
		VMOVUPS(ymm(j), at(RDI, 32*j))
	}
	ADDQ(U32(320), RDI)
	ADDQ(R10, R8)
	DECQ(R14)
	JNZ(lbl("gradCo"))
	label("gradDone")
	VZEROUPPER()
	RET()
}

// planeSum writes PlaneSum: 3×3 convolutions of kin input planes to
// 1 to 6 output planes, eight positions of a row per vector. Two entries at
// a time (the last, if n is odd, paired with itself): 2·kout accumulators
// (Y0…Y5 the first entry's, Y6…Y11 the second's) start at the bias; for
// each input plane c and tap t = 3ky + kx the two entries' vectors
// src[c·sstride + sBase + ky·srcRow + kx:][:8] are loaded once and
// multiplied into accumulator j by the broadcast weight
// w[(c·9 + t)·kout + j], each weight serving both; accumulator j is stored
// at dst + j·cstride + dBase. Strides are in elements.
func planeSum() {
	tpA, tpB := taps(RDX, R9), taps(R15, R9)
	TEXT("PlaneSum", NOSPLIT, "func(dst *float32, cstride int, src *float32, sstride, srcRow, kin, kout int, w, bias *float32, dBase, sBase *int32, n int)")
	Pragma("noescape")
	Doc("PlaneSum is tensor.PlaneSum's loop in AVX2 assembly for 1 to 6",
		"output planes; offsets are in elements and every row has been checked.")
	Load(Param("dst"), RDI)
	Load(Param("cstride"), R10)
	SHLQ(U8(2), R10)
	Load(Param("src"), RSI)
	Load(Param("srcRow"), R9)
	SHLQ(U8(2), R9)
	Load(Param("bias"), R14)
	Load(Param("dBase"), R11)
	Load(Param("sBase"), R12)
	Load(Param("n"), R13)
	Load(Param("kout"), RCX)
	for k := 1; k <= 6; k++ {
		CMPQ(RCX, U32(k))
		JEQ(lbl("sum%d", k))
	}
	JMP(lbl("sumDone"))
	for k := 1; k <= 6; k++ {
		L := fmt.Sprintf("sum%d", k)
		Label(L)
		TESTQ(R13, R13)
		JZ(lbl("sumDone"))
		MOVQ(U32(4), RAX)
		CMPQ(R13, U8(1))
		JNE(lbl("%spair", L))
		XORQ(RAX, RAX)
		label("%spair", L)
		for j := 0; j < k; j++ {
			VBROADCASTSS(at(R14, 4*j), ymm(j))
			VMOVAPS(ymm(j), ymm(6+j))
		}
		MOVLQSX(at(R12, 0), RDX)
		LEAQ(idx(RSI, 0, RDX, 4), RDX)
		MOVLQSX(idx(R12, 0, RAX, 1), R15)
		LEAQ(idx(RSI, 0, R15, 4), R15)
		Load(Param("w"), R8)
		Load(Param("kin"), RCX)
		label("%sc", L)
		for t := 0; t < 9; t++ {
			VMOVUPS(tpA[t], Y12)
			VMOVUPS(tpB[t], Y13)
			for j := 0; j < k; j++ {
				VBROADCASTSS(at(R8, 4*(t*k+j)), Y14)
				VFMADD231PS(Y12, Y14, ymm(j))
				VFMADD231PS(Y13, Y14, ymm(6+j))
			}
		}
		ADDQ(U32(36*k), R8)
		Load(Param("sstride"), RBX)
		SHLQ(U8(2), RBX)
		ADDQ(RBX, RDX)
		ADDQ(RBX, R15)
		DECQ(RCX)
		JNZ(lbl("%sc", L))
		MOVLQSX(at(R11, 0), RBX)
		LEAQ(idx(RDI, 0, RBX, 4), RBX)
		MOVLQSX(idx(R11, 0, RAX, 1), RDX)
		LEAQ(idx(RDI, 0, RDX, 4), RDX)
		for j := 0; j < k; j++ {
			VMOVUPS(ymm(j), at(RBX, 0))
			VMOVUPS(ymm(6+j), at(RDX, 0))
			if j < k-1 {
				ADDQ(R10, RBX)
				ADDQ(R10, RDX)
			}
		}
		LEAQ(idx(R11, 4, RAX, 1), R11)
		LEAQ(idx(R12, 4, RAX, 1), R12)
		SUBQ(U8(2), R13)
		JG(LabelRef(L))
		JMP(lbl("sumDone"))
	}
	label("sumDone")
	VZEROUPPER()
	RET()
}
