package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// hhFastSlots names the rows of the kernels package's HHFastTable, in its
// order (hhfast.go there): each row is one constant broadcast to four
// float64 lanes.
var hhFastSlots = []string{
	"rest", "lim", "negLim", "eps", "negEps", "k720", "one",
	"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11",
	"cn", "cm", "ch", "dn", "dm", "k001", "k01", "k007", "k0125", "k4",
	"gNa", "gK", "gL", "eNa", "eK", "eL", "dt", "dtC",
}

// hhFast writes HHFastStep: package neuron's fast forward-Euler HH step,
// four neurons at a time in float64 lanes, with the scalar code's
// operations in its order (no fused multiply-adds), so that both give the
// same bits. Comparisons are ordered and quiet, as Go's are.
func hhFast() {
	TEXT("HHFastStep", NOSPLIT, "func(v, m, n, h, iext *float64, k *[144]float64, count int) int")
	Pragma("noescape")
	Doc("HHFastStep advances neurons 0, 1, … of count by one fast Euler step,",
		"four at a time, and returns how many it stepped: it stops at the end of",
		"the last whole group of four, or before the first group with a neuron",
		"off the fast path (|r| > 180 mV, or within 1e-3 mV of α_n's or α_m's",
		"0/0 point), which the caller steps one neuron at a time.")
	slots := map[string]int{}
	for i, s := range hhFastSlots {
		slots[s] = i
	}
	c := func(name string) Mem {
		i, ok := slots[name]
		if !ok {
			panic("hhFast: no slot " + name)
		}
		return at(RDI, 32*i)
	}
	V, M, N, H, I := R8, R9, R10, R11, R12
	MOVQ(param("v"), V)
	MOVQ(param("m"), M)
	MOVQ(param("n"), N)
	MOVQ(param("h"), H)
	MOVQ(param("iext"), I)
	MOVQ(param("k"), RDI)
	MOVQ(param("count"), RCX)
	XORQ(RDX, RDX)
	row := func(base Register) Mem { return idx(base, 0, RDX, 8) }

	label("hfLoop")
	MOVQ(RCX, RBX)
	SUBQ(RDX, RBX)
	CMPQ(RBX, U8(4))
	JLT(lbl("hfDone"))
	VMOVUPD(row(V), Y0)       // v
	VADDPD(c("rest"), Y0, Y1) // r = v + rest
	VSUBPD(c("dn"), Y1, Y2)   // xn = r − dn
	VSUBPD(c("dm"), Y1, Y3)   // xm = r − dm
	// The group leaves for the scalar code if any lane is off the path.
	VCMPPD(U8(0x1e), c("lim"), Y1, Y4)    // r > 180
	VCMPPD(U8(0x11), c("negLim"), Y1, Y5) // r < −180
	VORPD(Y5, Y4, Y4)
	for _, x := range []VecPhysical{Y2, Y3} {
		VCMPPD(U8(0x12), c("eps"), x, Y5)    // x ≤ 1e-3
		VCMPPD(U8(0x1d), c("negEps"), x, Y6) // x ≥ −1e-3
		VANDPD(Y6, Y5, Y5)
		VORPD(Y5, Y4, Y4)
	}
	VMOVMSKPD(Y4, EBX)
	TESTL(EBX, EBX)
	JNZ(lbl("hfDone"))

	// q = e^{−r/720} by Estrin's scheme (neuron's expTaylor).
	VMULPD(c("k720"), Y1, Y4) // x
	VMULPD(Y4, Y4, Y5)        // x²
	VMULPD(Y5, Y5, Y6)        // x⁴
	VMULPD(Y6, Y6, Y7)        // x⁸
	VADDPD(c("one"), Y4, Y8)  // p01 = 1 + x
	VMULPD(c("c2"), Y4, Y9)   // p23 = 1/2 + x/6
	VADDPD(c("c1"), Y9, Y9)
	VMULPD(Y9, Y5, Y9) // q03 = p01 + x²·p23
	VADDPD(Y9, Y8, Y8)
	VMULPD(c("c4"), Y4, Y9) // p45
	VADDPD(c("c3"), Y9, Y9)
	VMULPD(c("c6"), Y4, Y10) // p67
	VADDPD(c("c5"), Y10, Y10)
	VMULPD(Y10, Y5, Y10) // q47 = p45 + x²·p67
	VADDPD(Y10, Y9, Y9)
	VMULPD(c("c8"), Y4, Y10) // p89
	VADDPD(c("c7"), Y10, Y10)
	VMULPD(c("c10"), Y4, Y11) // p1011
	VADDPD(c("c9"), Y11, Y11)
	VMULPD(Y11, Y5, Y11) // q811 = p89 + x²·p1011
	VADDPD(Y11, Y10, Y10)
	VMULPD(Y9, Y6, Y9) // q = (q03 + x⁴·q47) + x⁸·(q811 + x⁴·p12)
	VADDPD(Y9, Y8, Y8)
	VMULPD(c("c11"), Y6, Y11)
	VADDPD(Y11, Y10, Y10)
	VMULPD(Y10, Y7, Y10)
	VADDPD(Y10, Y8, Y8)

	// Powers of q give the rates' exponentials.
	VMULPD(Y8, Y8, Y4)         // q²
	VMULPD(Y4, Y4, Y5)         // q⁴
	VMULPD(Y5, Y5, Y6)         // q⁹ = q⁴·q⁴·q
	VMULPD(Y8, Y6, Y6)         //
	VMULPD(Y6, Y6, Y7)         // q¹⁸
	VMULPD(Y7, Y7, Y9)         // q³⁶
	VMULPD(Y9, Y9, Y10)        // e10 = q⁷²
	VMULPD(c("k007"), Y9, Y11) // α_h = 0.07·q³⁶
	VMULPD(c("k0125"), Y6, Y12)
	VMULPD(c("k4"), Y9, Y13) // β_m = 4·q³⁶·q⁴
	VMULPD(Y5, Y13, Y13)

	// α_n = numN/denN, α_m = numM/denM, β_h = 1/denH: one reciprocal.
	VMULPD(c("k001"), Y2, Y2) // numN
	VMOVUPD(c("one"), Y5)
	VMULPD(c("cn"), Y10, Y4) // denN = 1 − e10·cn
	VSUBPD(Y4, Y5, Y4)
	VMULPD(c("k01"), Y3, Y3) // numM
	VMULPD(c("cm"), Y10, Y6) // denM
	VSUBPD(Y6, Y5, Y6)
	VMULPD(c("ch"), Y10, Y7) // denH = 1 + e10·ch
	VADDPD(c("one"), Y7, Y7)
	VMULPD(Y6, Y4, Y8) // inv = 1/(denN·denM·denH)
	VMULPD(Y7, Y8, Y9)
	VDIVPD(Y9, Y5, Y9)
	VMULPD(Y6, Y2, Y2) // α_n = numN·denM·denH·inv
	VMULPD(Y7, Y2, Y2)
	VMULPD(Y9, Y2, Y2)
	VMULPD(Y4, Y3, Y3) // α_m = numM·denN·denH·inv
	VMULPD(Y7, Y3, Y3)
	VMULPD(Y9, Y3, Y3)
	VMULPD(Y9, Y8, Y8) // β_h = denN·denM·inv

	// The ionic current and the Euler update of v, m, n and h.
	VMOVUPD(row(M), Y1)
	VMOVUPD(row(N), Y4)
	VMOVUPD(row(H), Y6)
	VMULPD(Y1, Y1, Y7) // gNa·m³·h·(v − eNa)
	VMULPD(Y1, Y7, Y7)
	VMULPD(c("gNa"), Y7, Y7)
	VMULPD(Y6, Y7, Y7)
	VSUBPD(c("eNa"), Y0, Y10)
	VMULPD(Y10, Y7, Y7)
	VMULPD(Y4, Y4, Y9) // + gK·n⁴·(v − eK)
	VMULPD(c("gK"), Y9, Y10)
	VMULPD(Y9, Y10, Y10)
	VSUBPD(c("eK"), Y0, Y14)
	VMULPD(Y14, Y10, Y10)
	VADDPD(Y10, Y7, Y7)
	VSUBPD(c("eL"), Y0, Y14) // + gL·(v − eL)
	VMULPD(c("gL"), Y14, Y14)
	VADDPD(Y14, Y7, Y7)
	VMOVUPD(row(I), Y10) // v += dt/C·(I − ion)
	VSUBPD(Y7, Y10, Y10)
	VMULPD(c("dtC"), Y10, Y10)
	VADDPD(Y10, Y0, Y10)
	VMOVUPD(Y10, row(V))
	for _, g := range []struct {
		x, a, b VecPhysical
		dst     Register
	}{{Y1, Y3, Y13, M}, {Y4, Y2, Y12, N}, {Y6, Y11, Y8, H}} {
		// x += dt·(α·(1 − x) − β·x)
		VSUBPD(g.x, Y5, Y14)
		VMULPD(Y14, g.a, Y14)
		VMULPD(g.x, g.b, Y15)
		VSUBPD(Y15, Y14, Y14)
		VMULPD(c("dt"), Y14, Y14)
		VADDPD(Y14, g.x, Y14)
		VMOVUPD(Y14, row(g.dst))
	}
	ADDQ(U8(4), RDX)
	JMP(lbl("hfLoop"))

	label("hfDone")
	VZEROUPPER()
	Store(RDX, ReturnIndex(0))
	RET()
}
