package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gemmTiles writes the register tiles of tensor's dense products. Each
// adds a 6 × w tile of C += A·B for p = 0 … k−1, with A's element (r, p)
// at a[r·ar + p·ak] and B's row p at b[p·ldb] (w columns): packed panels
// (ar = 1, ak = 6, ldb = w) or the operands in place (a row-major A has
// ar = lda, ak = 1; a transposed one ar = 1, ak = lda). Twelve
// accumulators, two vectors per row, start at zero and take one fused
// multiply-add per term in p's order; each row is then added to C's (ldc
// elements apart). Per p: two loads of B, six broadcasts of A, twelve
// FMAs. GemmTile is w = 16 in AVX2 registers, GemmTile32 w = 32 in AVX-512
// ones: lane for lane the same operations, so the same bits.
func gemmTiles() {
	ys := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14}
	zs := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14}
	gemmTile("GemmTile", ys, 32, func(v VecPhysical) { VXORPS(v, v, v) },
		"GemmTile adds the product of six rows of A and 16 columns of B, k deep,",
		"to a 6 × 16 tile of C: A's element (r, p) is a[r·ar + p·ak], B's row p",
		"starts at b[p·ldb]; ldc, ar, ak and ldb are in elements.")
	gemmTile("GemmTile32", zs, 64, func(v VecPhysical) { VPXORD(v, v, v) },
		"GemmTile32 adds the product of six rows of A and 32 columns of B, k deep,",
		"to a 6 × 32 tile of C: A's element (r, p) is a[r·ar + p·ak], B's row p",
		"starts at b[p·ldb]; ldc, ar, ak and ldb are in elements. It needs",
		"AVX-512F (see TileCols).")
}

// gemmTile writes one tile kernel over vector registers v (twelve
// accumulators, two for B, one for A's broadcast) of vecBytes bytes.
// Rows 0–2 of A are read at a, a + ar, a + 2ar and rows 3–5 from a second
// pointer 3ar further on, so that two pointer increments per p serve all
// six (an address takes an index register scaled by 1, 2, 4 or 8 only).
func gemmTile(name string, v []VecPhysical, vecBytes int, zeroVec func(VecPhysical), doc ...string) {
	TEXT(name, NOSPLIT, "func(c *float32, ldc int, a *float32, ar, ak int, b *float32, ldb, k int)")
	Pragma("noescape")
	Doc(doc...)
	Load(Param("c"), RDI)
	Load(Param("ldc"), RSI)
	SHLQ(U8(2), RSI)
	Load(Param("a"), R8)
	Load(Param("ar"), R10)
	SHLQ(U8(2), R10)
	Load(Param("ak"), R12)
	SHLQ(U8(2), R12)
	Load(Param("b"), R9)
	Load(Param("ldb"), R13)
	SHLQ(U8(2), R13)
	Load(Param("k"), RCX)
	// R11 = a + 3·ar, the fourth row.
	LEAQ(idx(R8, 0, R10, 2), R11)
	ADDQ(R10, R11)
	for _, acc := range v[:12] {
		zeroVec(acc)
	}
	TESTQ(RCX, RCX)
	JZ(lbl("%sStore", name))
	label("%sLoop", name)
	VMOVUPS(at(R9, 0), v[12])
	VMOVUPS(at(R9, vecBytes), v[13])
	rows := []Mem{at(R8, 0), idx(R8, 0, R10, 1), idx(R8, 0, R10, 2), at(R11, 0), idx(R11, 0, R10, 1), idx(R11, 0, R10, 2)}
	for r, m := range rows {
		VBROADCASTSS(m, v[14])
		VFMADD231PS(v[12], v[14], v[2*r])
		VFMADD231PS(v[13], v[14], v[2*r+1])
	}
	ADDQ(R12, R8)
	ADDQ(R12, R11)
	ADDQ(R13, R9)
	DECQ(RCX)
	JNZ(lbl("%sLoop", name))
	label("%sStore", name)
	for r := 0; r < 6; r++ {
		for h := 0; h < 2; h++ {
			VADDPS(at(RDI, h*vecBytes), v[2*r+h], v[2*r+h])
			VMOVUPS(v[2*r+h], at(RDI, h*vecBytes))
		}
		if r < 5 {
			ADDQ(RSI, RDI)
		}
	}
	VZEROUPPER()
	RET()
}
