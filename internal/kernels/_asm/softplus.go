package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// softplusTable lays out Softplus's constants, each repeated in eight
// lanes: package f32's Exp and Softplus constants in the order the kernel
// uses them.
func softplusTable() (Mem, map[string]int) {
	t := GLOBL("softplusConsts", RODATA|NOPTR)
	slot := map[string]int{}
	put := func(name string, bits uint32) {
		off := 32 * len(slot)
		slot[name] = off
		for lane := 0; lane < 8; lane++ {
			DATA(off+4*lane, U32(bits))
		}
	}
	f := func(name string, v float32) { put(name, math.Float32bits(v)) }
	put("sign", 1<<31)
	f("expMin", -87)
	f("expMax", 88)
	f("log2e", 1.44269504088896341)
	f("ln2Hi", 0.693359375)
	f("ln2Lo", -2.12194440e-4)
	for i, c := range []float32{1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5} {
		f(string(rune('a'+i))+"exp", c)
	}
	f("two", 2)
	for i, c := range []float32{1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3} {
		f(string(rune('a'+i))+"log", c)
	}
	put("bias", 127)
	return t, slot
}

// softplus writes Softplus: package f32's Softplus of u = s − shift for
// eight values at a time, each operation in the order and rounding of
// the Go code (f32.Exp inlined).
func softplus(one Mem) {
	t, slot := softplusTable()
	k := func(name string) Mem { return t.Offset(slot[name]) }
	TEXT("Softplus", NOSPLIT, "func(sigma, slope, s *float32, shift float32, n int)")
	Pragma("noescape")
	Doc("Softplus is package f32's Softplus of s − shift for n values, n a",
		"multiple of 8: the values to sigma, the derivatives to slope.")
	VBROADCASTSS(param("shift"), Y15)
	VBROADCASTSS(one, Y13)
	zero(Y12)
	MOVQ(param("sigma"), RDI)
	MOVQ(param("slope"), RDX)
	MOVQ(param("s"), RSI)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("spDone"))
	label("spVec")
	VMOVUPS(at(RSI, 0), Y0)
	VSUBPS(Y15, Y0, Y0) // u
	VORPS(k("sign"), Y0, Y1)
	// Exp(−|u|)
	VMAXPS(k("expMin"), Y1, Y1)
	VMINPS(k("expMax"), Y1, Y1)
	VMULPS(k("log2e"), Y1, Y2)
	VROUNDPS(U8(8), Y2, Y2) // n, to nearest even
	VMULPS(k("ln2Hi"), Y2, Y3)
	VSUBPS(Y3, Y1, Y3)
	VMULPS(k("ln2Lo"), Y2, Y4)
	VSUBPS(Y4, Y3, Y3) // r
	VMOVUPS(k("aexp"), Y4)
	for _, c := range []string{"bexp", "cexp", "dexp", "eexp", "fexp"} {
		VMULPS(Y3, Y4, Y4)
		VADDPS(k(c), Y4, Y4)
	}
	for range 2 {
		VMULPS(Y3, Y4, Y4)
		VADDPS(Y13, Y4, Y4)
	}
	VCVTPS2DQ(Y2, Y5)
	VPADDD(k("bias"), Y5, Y5)
	VPSLLD(U8(23), Y5, Y5)
	VMULPS(Y5, Y4, Y4)  // e
	VADDPS(Y13, Y4, Y5) // den = 1 + e
	// ln(1 + e) = 2·atanh(t), t = e/(2 + e)
	VADDPS(k("two"), Y4, Y6)
	VDIVPS(Y6, Y4, Y6)
	VMULPS(Y6, Y6, Y7)
	VMOVUPS(k("alog"), Y8)
	for _, c := range []string{"blog", "clog", "dlog", "elog", "flog"} {
		VMULPS(Y7, Y8, Y8)
		VADDPS(k(c), Y8, Y8)
	}
	VMULPS(Y7, Y8, Y8)
	VADDPS(Y13, Y8, Y8)
	VMULPS(Y8, Y6, Y8)
	VADDPS(Y8, Y8, Y8)
	VMAXPS(Y12, Y0, Y9)
	VADDPS(Y8, Y9, Y9)
	// slope = (u ≥ 0 ? 1 : e)/den
	VCMPPS(U8(0x1d), Y12, Y0, Y10)
	VBLENDVPS(Y10, Y13, Y4, Y11)
	VDIVPS(Y5, Y11, Y11)
	VMOVUPS(Y9, at(RDI, 0))
	VMOVUPS(Y11, at(RDX, 0))
	nextVector("spVec", "spDone", RSI, RDI, RDX)
}
