package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gemmTiles writes the register tiles of tensor's dense products. Each
// adds a 6 × w tile of C += A·B from packed panels, A's six rows
// interleaved (a[p·6 + r]) and B's w columns (b[p·w + j]), for
// p = 0 … k−1: twelve accumulators, two vectors per row, start at zero and
// take one fused multiply-add per term in p's order; each row is then
// added to C's (ldc elements apart). Per p: two loads of B, six broadcasts
// of A, twelve FMAs. GemmTile is w = 16 in AVX2 registers, GemmTile32
// w = 32 in AVX-512 ones: lane for lane the same operations, so the same
// bits.
func gemmTiles() {
	ys := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14}
	zs := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14}
	gemmTile("GemmTile", ys, 32, func(v VecPhysical) { VXORPS(v, v, v) },
		"GemmTile adds the product of a packed 6-row panel of A and a packed",
		"16-column panel of B, k deep, to a 6 × 16 tile of C; ldc is in elements.")
	gemmTile("GemmTile32", zs, 64, func(v VecPhysical) { VPXORD(v, v, v) },
		"GemmTile32 adds the product of a packed 6-row panel of A and a packed",
		"32-column panel of B, k deep, to a 6 × 32 tile of C; ldc is in elements.",
		"It needs AVX-512F (see TileCols).")
}

// gemmTile writes one tile kernel over vector registers v (twelve
// accumulators, two for B, one for A's broadcast) of vecBytes bytes.
func gemmTile(name string, v []VecPhysical, vecBytes int, zeroVec func(VecPhysical), doc ...string) {
	TEXT(name, NOSPLIT, "func(c *float32, ldc int, a, b *float32, k int)")
	Pragma("noescape")
	Doc(doc...)
	Load(Param("c"), RDI)
	Load(Param("ldc"), RSI)
	SHLQ(U8(2), RSI)
	Load(Param("a"), R8)
	Load(Param("b"), R9)
	Load(Param("k"), RCX)
	for _, acc := range v[:12] {
		zeroVec(acc)
	}
	TESTQ(RCX, RCX)
	JZ(lbl("%sStore", name))
	label("%sLoop", name)
	VMOVUPS(at(R9, 0), v[12])
	VMOVUPS(at(R9, vecBytes), v[13])
	for r := 0; r < 6; r++ {
		VBROADCASTSS(at(R8, 4*r), v[14])
		VFMADD231PS(v[12], v[14], v[2*r])
		VFMADD231PS(v[13], v[14], v[2*r+1])
	}
	ADDQ(U8(24), R8)
	ADDQ(U32(2*vecBytes), R9)
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
