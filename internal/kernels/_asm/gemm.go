package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gemmTile writes GemmTile: a 6 × 16 tile of C += A·B from packed panels,
// A's six rows interleaved (a[p·6 + r]) and B's sixteen columns
// (b[p·16 + j]), for p = 0 … k−1. The tile is twelve accumulators (Y0…Y11,
// two vectors per row) that start at zero and take one fused multiply-add
// per term in p's order; each row is then added to C's (ldc elements
// apart). Per p: two loads of B, six broadcasts of A, twelve FMAs.
func gemmTile() {
	TEXT("GemmTile", NOSPLIT, "func(c *float32, ldc int, a, b *float32, k int)")
	Pragma("noescape")
	Doc("GemmTile adds the product of a packed 6-row panel of A and a packed",
		"16-column panel of B, k deep, to a 6 × 16 tile of C; ldc is in elements.")
	Load(Param("c"), RDI)
	Load(Param("ldc"), RSI)
	SHLQ(U8(2), RSI)
	Load(Param("a"), R8)
	Load(Param("b"), R9)
	Load(Param("k"), RCX)
	for i := 0; i < 12; i++ {
		zero(ymm(i))
	}
	TESTQ(RCX, RCX)
	JZ(lbl("tileStore"))
	label("tileLoop")
	VMOVUPS(at(R9, 0), Y12)
	VMOVUPS(at(R9, 32), Y13)
	for r := 0; r < 6; r++ {
		VBROADCASTSS(at(R8, 4*r), Y14)
		VFMADD231PS(Y12, Y14, ymm(2*r))
		VFMADD231PS(Y13, Y14, ymm(2*r+1))
	}
	ADDQ(U8(24), R8)
	ADDQ(U8(64), R9)
	DECQ(RCX)
	JNZ(lbl("tileLoop"))
	label("tileStore")
	for r := 0; r < 6; r++ {
		VADDPS(at(RDI, 0), ymm(2*r), ymm(2*r))
		VMOVUPS(ymm(2*r), at(RDI, 0))
		VADDPS(at(RDI, 32), ymm(2*r+1), ymm(2*r+1))
		VMOVUPS(ymm(2*r+1), at(RDI, 32))
		if r < 5 {
			ADDQ(RSI, RDI)
		}
	}
	VZEROUPPER()
	RET()
}

// gemmTile32 writes GemmTile32: GemmTile's 6 × 32 tile in AVX-512, B's
// panels 32 columns wide (b[p·32 + j]): each row's two accumulators are
// one 16-lane register each (Z0…Z11). Per p: two loads of B, six
// broadcasts of A, twelve FMAs of sixteen lanes. Lane for lane the same
// fused operations in the same order as GemmTile, so the bits are the
// same.
func gemmTile32() {
	TEXT("GemmTile32", NOSPLIT, "func(c *float32, ldc int, a, b *float32, k int)")
	Pragma("noescape")
	Doc("GemmTile32 adds the product of a packed 6-row panel of A and a packed",
		"32-column panel of B, k deep, to a 6 × 32 tile of C; ldc is in elements.",
		"It needs AVX-512F (see TileCols).")
	zmm := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11}
	Load(Param("c"), RDI)
	Load(Param("ldc"), RSI)
	SHLQ(U8(2), RSI)
	Load(Param("a"), R8)
	Load(Param("b"), R9)
	Load(Param("k"), RCX)
	for _, z := range zmm {
		VPXORD(z, z, z)
	}
	TESTQ(RCX, RCX)
	JZ(lbl("tile32Store"))
	label("tile32Loop")
	VMOVUPS(at(R9, 0), Z12)
	VMOVUPS(at(R9, 64), Z13)
	for r := 0; r < 6; r++ {
		VBROADCASTSS(at(R8, 4*r), Z14)
		VFMADD231PS(Z12, Z14, zmm[2*r])
		VFMADD231PS(Z13, Z14, zmm[2*r+1])
	}
	ADDQ(U8(24), R8)
	ADDQ(U32(128), R9)
	DECQ(RCX)
	JNZ(lbl("tile32Loop"))
	label("tile32Store")
	for r := 0; r < 6; r++ {
		VADDPS(at(RDI, 0), zmm[2*r], zmm[2*r])
		VMOVUPS(zmm[2*r], at(RDI, 0))
		VADDPS(at(RDI, 64), zmm[2*r+1], zmm[2*r+1])
		VMOVUPS(zmm[2*r+1], at(RDI, 64))
		if r < 5 {
			ADDQ(RSI, RDI)
		}
	}
	VZEROUPPER()
	RET()
}
