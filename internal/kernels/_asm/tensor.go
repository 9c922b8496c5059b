package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// padPlanes writes PadPlanes: it copies maps into the interiors of
// zero-bordered planes. For each of planes maps of h rows of w values
// (w ≥ 8; src planes srcPlane apart, rows w apart), row y goes to
// dst + p·dstPlane + (y+1)·dstRow + 1, eight values at a time, the last
// vector of a row ending at its end (overlapping the one before). Offsets
// in elements.
func padPlanes() {
	TEXT("PadPlanes", NOSPLIT, "func(dst *float32, dstPlane, dstRow int, src *float32, srcPlane, planes, h, w int)")
	Pragma("noescape")
	Doc("PadPlanes is tensor.PadPlanes's loop in AVX2 assembly for w ≥ 8;",
		"every row has been checked.")
	Load(Param("dst"), RDI)
	Load(Param("dstPlane"), R8)
	SHLQ(U8(2), R8)
	Load(Param("dstRow"), R9)
	SHLQ(U8(2), R9)
	Load(Param("src"), RSI)
	Load(Param("srcPlane"), R10)
	SHLQ(U8(2), R10)
	Load(Param("planes"), R11)
	Load(Param("w"), RAX)
	MOVQ(RAX, R13)
	SUBQ(U8(8), R13)
	TESTQ(R11, R11)
	JZ(lbl("padDone"))
	label("padPlane")
	MOVQ(RDI, RBX)
	ADDQ(R9, RBX)
	ADDQ(U8(4), RBX)
	MOVQ(RSI, RDX)
	Load(Param("h"), R12)
	TESTQ(R12, R12)
	JZ(lbl("padNextPlane"))
	label("padRow")
	XORQ(RCX, RCX)
	label("padVec")
	MOVQ(RCX, R14)
	CMPQ(RCX, R13)
	CMOVQGT(R13, R14)
	VMOVUPS(idx(RDX, 0, R14, 4), Y0)
	VMOVUPS(Y0, idx(RBX, 0, R14, 4))
	ADDQ(U8(8), RCX)
	CMPQ(RCX, RAX)
	JLT(lbl("padVec"))
	ADDQ(R9, RBX)
	LEAQ(idx(RDX, 0, RAX, 4), RDX)
	DECQ(R12)
	JNZ(lbl("padRow"))
	label("padNextPlane")
	ADDQ(R8, RDI)
	ADDQ(R10, RSI)
	DECQ(R11)
	JNZ(lbl("padPlane"))
	label("padDone")
	VZEROUPPER()
	RET()
}

// sparsePairs writes SparsePairs: pairs of rows of C += A·B from the
// union of the nonzeros of the pair's rows of A; each position's row of B
// is loaded once and serves both rows of C, up to six vectors of each in
// registers. For each of pairs pairs of rows of c (rows 2i and 2i+1, ldc
// apart): load vecs vectors of both rows (Y0… and Y6…), add val0[q] ×
// (first row) and val1[q] × (second row) the vectors at b + off[q] for q in
// beg[i] … beg[i]+cnt[i] in order, store them. Strides and offsets are in
// elements.
func sparsePairs() {
	TEXT("SparsePairs", NOSPLIT, "func(c *float32, ldc, pairs int, beg, cnt, off *int32, val0, val1, b *float32, vecs int)")
	Pragma("noescape")
	Doc("SparsePairs is tensor.Sparse's product loop in AVX2 assembly: pairs",
		"of rows of c += the multiples, by the pair's values at each listed",
		"position, of the row of b at that position's offset; vecs (1 to 6)",
		"vectors of eight columns; strides and offsets are in elements and every",
		"row has been checked.")
	Load(Param("c"), RDI)
	Load(Param("ldc"), R8)
	SHLQ(U8(2), R8)
	Load(Param("pairs"), RCX)
	Load(Param("beg"), R9)
	Load(Param("cnt"), R10)
	Load(Param("off"), R11)
	Load(Param("val0"), R12)
	Load(Param("val1"), RBX)
	SUBQ(R12, RBX)
	Load(Param("b"), RSI)
	Load(Param("vecs"), RAX)
	for k := 1; k <= 6; k++ {
		CMPQ(RAX, U32(k))
		JEQ(lbl("sp%d", k))
	}
	JMP(lbl("spDone"))
	for k := 1; k <= 6; k++ {
		L := fmt.Sprintf("sp%d", k)
		Label(L)
		TESTQ(RCX, RCX)
		JZ(lbl("spDone"))
		MOVLQSX(at(R9, 0), R13)
		MOVLQSX(at(R10, 0), R14)
		LEAQ(idx(R11, 0, R13, 4), RDX)
		LEAQ(idx(R12, 0, R13, 4), R15)
		LEAQ(idx(RDI, 0, R8, 1), R13)
		// The next pair's rows, while this one runs: C's rows are far
		// apart and come from the L2 cache.
		LEAQ(idx(R13, 0, R8, 1), RAX)
		for line := 0; line < 32*k; line += 64 {
			PREFETCHT0(at(RAX, line))
			PREFETCHT0(idx(RAX, line, R8, 1))
		}
		for j := 0; j < k; j++ {
			VMOVUPS(at(RDI, 32*j), ymm(j))
		}
		for j := 0; j < k; j++ {
			VMOVUPS(at(R13, 32*j), ymm(6+j))
		}
		TESTQ(R14, R14)
		JZ(lbl("%sstore", L))
		label("%sq", L)
		MOVLQSX(at(RDX, 0), RAX)
		VBROADCASTSS(at(R15, 0), Y12)
		VBROADCASTSS(idx(R15, 0, RBX, 1), Y13)
		for j := 0; j < k; j++ {
			VMOVUPS(idx(RSI, 32*j, RAX, 4), Y14)
			VFMADD231PS(Y14, Y12, ymm(j))
			VFMADD231PS(Y14, Y13, ymm(6+j))
		}
		ADDQ(U8(4), RDX)
		ADDQ(U8(4), R15)
		DECQ(R14)
		JNZ(lbl("%sq", L))
		label("%sstore", L)
		for j := 0; j < k; j++ {
			VMOVUPS(ymm(j), at(RDI, 32*j))
		}
		for j := 0; j < k; j++ {
			VMOVUPS(ymm(6+j), at(R13, 32*j))
		}
		LEAQ(idx(R13, 0, R8, 1), RDI)
		ADDQ(U8(4), R9)
		ADDQ(U8(4), R10)
		DECQ(RCX)
		JMP(LabelRef(L))
	}
	label("spDone")
	VZEROUPPER()
	RET()
}

// compact writes Compact and CompactPair: positions and values of
// the nonzeros of a row (of either of two rows), eight values per step: a
// compare gives the mask, a table the permutation that moves the nonzero
// lanes to the front.
func compact() {
	lanes := GLOBL("lanes", RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(4*i, U32(i))
	}
	// perm's row m lists the set lanes of m in order, then zeros.
	perm := GLOBL("perm", RODATA|NOPTR)
	for m := 0; m < 256; m++ {
		var order [8]int
		n := 0
		for i := 0; i < 8; i++ {
			if m>>i&1 != 0 {
				order[n] = i
				n++
			}
		}
		for i, v := range order {
			DATA(32*m+4*i, U32(v))
		}
	}

	TEXT("Compact", NOSPLIT, "func(idx *int32, val, src *float32, n, base int) int")
	Pragma("noescape")
	Doc("Compact lists nonzeros in AVX2 assembly: it writes the nonzeros of",
		"src[0:n] (n a multiple of 8) and their positions + base to val and idx,",
		"which have room for n values, and returns their number.")
	Load(Param("idx"), RDI)
	Load(Param("val"), RSI)
	Load(Param("src"), RDX)
	Load(Param("n"), RCX)
	VPBROADCASTD(param("base"), Y3)
	VMOVDQU(lanes, Y4)
	VPADDD(Y4, Y3, Y3)
	MOVL(U32(8), R10L)
	VMOVD(R10L, X5)
	VPBROADCASTD(X5, Y5)
	zero(Y0)
	LEAQ(perm, R8)
	XORQ(RAX, RAX)
	TESTQ(RCX, RCX)
	JLE(lbl("cpDone"))
	label("cpLoop")
	VMOVUPS(at(RDX, 0), Y1)
	VCMPPS(U8(4), Y0, Y1, Y2)
	VMOVMSKPS(Y2, EBX)
	MOVQ(RBX, R9)
	SHLQ(U8(5), R9)
	VMOVDQU(idx(R8, 0, R9, 1), Y6)
	VPERMPS(Y1, Y6, Y1)
	VPERMD(Y3, Y6, Y7)
	VMOVUPS(Y1, idx(RSI, 0, RAX, 4))
	VMOVDQU(Y7, idx(RDI, 0, RAX, 4))
	POPCNTL(EBX, EBX)
	ADDQ(RBX, RAX)
	VPADDD(Y5, Y3, Y3)
	ADDQ(U8(32), RDX)
	SUBQ(U8(8), RCX)
	JG(lbl("cpLoop"))
	label("cpDone")
	Store(RAX, ReturnIndex(0))
	VZEROUPPER()
	RET()

	TEXT("CompactPair", NOSPLIT, "func(off *int32, val0, val1, src0, src1 *float32, n, step int) (union, nonzeros int)")
	Pragma("noescape")
	Doc("CompactPair lists the nonzeros of two lines at once in AVX2",
		"assembly: for the positions i of src0[0:n] and src1[0:n] (n a multiple",
		"of 8) where either is nonzero it writes i·step to off and both values to",
		"val0 and val1, which have room for n values, and returns the number of",
		"such positions and the number of nonzeros of both.")
	Load(Param("off"), RDI)
	Load(Param("val0"), RSI)
	Load(Param("val1"), R11)
	Load(Param("src0"), RDX)
	Load(Param("src1"), R12)
	Load(Param("n"), RCX)
	VPBROADCASTD(param("step"), Y5)
	VMOVDQU(lanes, Y3)
	VPMULLD(Y5, Y3, Y3)
	VPSLLD(U8(3), Y5, Y5)
	zero(Y0)
	LEAQ(perm, R8)
	XORQ(RAX, RAX)
	XORQ(R13, R13)
	TESTQ(RCX, RCX)
	JLE(lbl("cpPairDone"))
	label("cpPairLoop")
	VMOVUPS(at(RDX, 0), Y1)
	VMOVUPS(at(R12, 0), Y8)
	VCMPPS(U8(4), Y0, Y1, Y2)
	VCMPPS(U8(4), Y0, Y8, Y9)
	VMOVMSKPS(Y2, R10L)
	POPCNTL(R10L, R10L)
	ADDQ(R10, R13)
	VMOVMSKPS(Y9, R10L)
	POPCNTL(R10L, R10L)
	ADDQ(R10, R13)
	VORPS(Y9, Y2, Y2)
	VMOVMSKPS(Y2, EBX)
	MOVQ(RBX, R9)
	SHLQ(U8(5), R9)
	VMOVDQU(idx(R8, 0, R9, 1), Y6)
	VPERMPS(Y1, Y6, Y1)
	VPERMPS(Y8, Y6, Y8)
	VPERMD(Y3, Y6, Y7)
	VMOVUPS(Y1, idx(RSI, 0, RAX, 4))
	VMOVUPS(Y8, idx(R11, 0, RAX, 4))
	VMOVDQU(Y7, idx(RDI, 0, RAX, 4))
	POPCNTL(EBX, EBX)
	ADDQ(RBX, RAX)
	VPADDD(Y5, Y3, Y3)
	ADDQ(U8(32), RDX)
	ADDQ(U8(32), R12)
	SUBQ(U8(8), RCX)
	JG(lbl("cpPairLoop"))
	label("cpPairDone")
	Store(RAX, Return("union"))
	Store(R13, Return("nonzeros"))
	VZEROUPPER()
	RET()
}

// transpose8 writes Transpose8: dst[j·ldd + i] = src[i·lds + j] for
// i < 8·rows8, j < 8·cols8, one 8×8 block at a time through registers:
// unpack pairs of rows, shuffle quadruples, swap halves.
func transpose8() {
	TEXT("Transpose8", NOSPLIT, "func(dst *float32, ldd int, src *float32, lds, rows8, cols8 int)")
	Pragma("noescape")
	Doc("Transpose8 writes dst[j·ldd + i] = src[i·lds + j] for i < 8·rows8",
		"and j < 8·cols8, strides in elements; the caller has checked the bounds.")
	Load(Param("dst"), RDI)
	Load(Param("ldd"), R8)
	SHLQ(U8(2), R8)
	Load(Param("src"), RSI)
	Load(Param("lds"), R9)
	SHLQ(U8(2), R9)
	Load(Param("rows8"), RCX)
	TESTQ(RCX, RCX)
	JLE(lbl("tpDone"))
	LEAQ(idx(R9, 0, R9, 2), R12)
	LEAQ(idx(R8, 0, R8, 2), R13)
	label("tpRows")
	Load(Param("cols8"), RDX)
	TESTQ(RDX, RDX)
	JLE(lbl("tpNextRows"))
	MOVQ(RSI, R10)
	MOVQ(RDI, R11)
	label("tpBlock")
	// rows4 addresses four rows at AX, AX + s, AX + 2s and AX + 3s.
	rows4 := func(s, s3 Register) []Mem {
		return []Mem{at(RAX, 0), idx(RAX, 0, s, 1), idx(RAX, 0, s, 2), idx(RAX, 0, s3, 1)}
	}
	MOVQ(R10, RAX)
	for i, m := range rows4(R9, R12) {
		VMOVUPS(m, ymm(i))
	}
	LEAQ(idx(RAX, 0, R9, 4), RAX)
	for i, m := range rows4(R9, R12) {
		VMOVUPS(m, ymm(4+i))
	}
	for p := 0; p < 4; p++ {
		VUNPCKLPS(ymm(2*p+1), ymm(2*p), ymm(8+2*p))
		VUNPCKHPS(ymm(2*p+1), ymm(2*p), ymm(9+2*p))
	}
	for q := 0; q < 2; q++ {
		a, b := 8+4*q, 10+4*q
		VSHUFPS(U8(0x44), ymm(b), ymm(a), ymm(4*q))
		VSHUFPS(U8(0xEE), ymm(b), ymm(a), ymm(4*q+1))
		VSHUFPS(U8(0x44), ymm(b+1), ymm(a+1), ymm(4*q+2))
		VSHUFPS(U8(0xEE), ymm(b+1), ymm(a+1), ymm(4*q+3))
	}
	for i := 0; i < 4; i++ {
		VPERM2F128(U8(0x20), ymm(4+i), ymm(i), ymm(8+i))
	}
	for i := 0; i < 4; i++ {
		VPERM2F128(U8(0x31), ymm(4+i), ymm(i), ymm(12+i))
	}
	MOVQ(R11, RAX)
	for i, m := range rows4(R8, R13) {
		VMOVUPS(ymm(8+i), m)
	}
	LEAQ(idx(RAX, 0, R8, 4), RAX)
	for i, m := range rows4(R8, R13) {
		VMOVUPS(ymm(12+i), m)
	}
	ADDQ(U8(32), R10)
	LEAQ(idx(R11, 0, R8, 8), R11)
	DECQ(RDX)
	JNZ(lbl("tpBlock"))
	label("tpNextRows")
	LEAQ(idx(RSI, 0, R9, 8), RSI)
	ADDQ(U8(32), RDI)
	DECQ(RCX)
	JNZ(lbl("tpRows"))
	label("tpDone")
	VZEROUPPER()
	RET()
}

// stencilShared writes StencilSum (sum) or StencilSpread: Stencil
// whose entries all share one side's nine rows, held in registers (Y0–Y8)
// for one vector of the rows at a time: the dst rows (StencilSum, the sums
// stay in registers) or the src rows (StencilSpread, one input channel's
// kernel rows). The entries' tap offsets live in R8–R15 and BX.
func stencilShared(sum bool) {
	tapRegs := []Register{R8, R9, R10, R11, R12, R13, R14, R15, RBX}
	name, lb, base := "StencilSpread", "sd", "dBase"
	shared, sharedTap, other, otherTap := "src", "sTap", "dst", "dTap"
	sig := "func(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, dBase *int32, n int)"
	doc := []string{
		"StencilSpread is tensor.StencilSpread's loop in AVX2 assembly; tap",
		"offsets are in bytes, n ≥ 1, and every row has been checked.",
	}
	if sum {
		name, lb, base = "StencilSum", "ss", "sBase"
		shared, sharedTap, other, otherTap = other, otherTap, shared, sharedTap
		sig = "func(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, sBase *int32, n int)"
		doc = []string{
			"StencilSum is tensor.StencilSum's loop in AVX2 assembly; tap",
			"offsets are in bytes, n ≥ 1, and every row has been checked.",
		}
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc...)
	Load(Param(otherTap), RAX)
	for t, r := range tapRegs {
		MOVQ(at(RAX, 8*t), r)
	}
	label("%sVec", lb)
	Load(Param("width"), RCX)
	TESTQ(RCX, RCX)
	JLE(lbl("%sDone", lb))
	Load(Param(shared), RDI)
	Load(Param(sharedTap), RSI)
	for t := 0; t < 9; t++ {
		MOVQ(at(RSI, 8*t), RDX)
		VMOVUPS(idx(RDI, 0, RDX, 1), ymm(t))
	}
	Load(Param(other), RDX)
	Load(Param("vals"), RSI)
	Load(Param(base), RDI)
	Load(Param("n"), RCX)
	label("%sEntry", lb)
	MOVLQSX(at(RDI, 0), RAX)
	LEAQ(idx(RDX, 0, RAX, 4), RAX)
	VBROADCASTSS(at(RSI, 0), Y15)
	for t, r := range tapRegs {
		if sum {
			VFMADD231PS(idx(RAX, 0, r, 1), Y15, ymm(t))
		} else {
			VMOVUPS(idx(RAX, 0, r, 1), Y9)
			VFMADD231PS(ymm(t), Y15, Y9)
			VMOVUPS(Y9, idx(RAX, 0, r, 1))
		}
	}
	ADDQ(U8(4), RSI)
	ADDQ(U8(4), RDI)
	DECQ(RCX)
	JNZ(lbl("%sEntry", lb))
	if sum {
		Load(Param(shared), RDI)
		Load(Param(sharedTap), RSI)
		for t := 0; t < 9; t++ {
			MOVQ(at(RSI, 8*t), RAX)
			VMOVUPS(ymm(t), idx(RDI, 0, RAX, 1))
		}
	}
	ADDQ(U8(32), param("dst"))
	ADDQ(U8(32), param("src"))
	DECQ(param("width"))
	JMP(lbl("%sVec", lb))
	label("%sDone", lb)
	VZEROUPPER()
	RET()
}
