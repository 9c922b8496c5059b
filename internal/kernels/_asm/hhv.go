package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// expr emits long float32 computations eight lanes at a time, one Go
// operation per instruction: every value lives in a 32-byte slot of the
// frame (or in the constant table), each operation loads its first
// operand into Y0, takes the second from memory and stores the result in
// a fresh slot. The HHv substep is some 150 operations on a dozen live
// values, more than the 16 registers hold; L1 loads and stores are
// cheap beside its divisions and exponentials.
type expr struct {
	table  string
	consts map[uint32]int // bits → offset in the table
	order  []uint32
}

func newExpr(table string) *expr { return &expr{table: table, consts: map[uint32]int{}} }

// c is the constant v in all eight lanes.
func (e *expr) c(v float32) Mem { return e.bits(math.Float32bits(v)) }

func (e *expr) bits(b uint32) Mem {
	off, ok := e.consts[b]
	if !ok {
		off = 32 * len(e.order)
		e.consts[b] = off
		e.order = append(e.order, b)
	}
	return NewDataAddr(NewStaticSymbol(e.table), off)
}

// data writes the constant table; call it after the function.
func (e *expr) data() {
	GLOBL(e.table, RODATA|NOPTR)
	for i, b := range e.order {
		for lane := 0; lane < 8; lane++ {
			DATA(32*i+4*lane, U32(b))
		}
	}
}

func (e *expr) slot() Mem { return AllocLocal(32) }

// op applies the instruction to a (loaded into Y0) and b and stores the
// result in a fresh slot.
func (e *expr) op(ins func(Op, Op, Op), a, b Mem) Mem {
	VMOVUPS(a, Y0)
	ins(b, Y0, Y0)
	s := e.slot()
	VMOVUPS(Y0, s)
	return s
}

func (e *expr) add(a, b Mem) Mem { return e.op(vaddps, a, b) }
func (e *expr) sub(a, b Mem) Mem { return e.op(vsubps, a, b) }
func (e *expr) mul(a, b Mem) Mem { return e.op(vmulps, a, b) }
func (e *expr) div(a, b Mem) Mem { return e.op(vdivps, a, b) }

func vaddps(a, b, c Op) { VADDPS(a, b, c) }
func vsubps(a, b, c Op) { VSUBPS(a, b, c) }
func vmulps(a, b, c Op) { VMULPS(a, b, c) }
func vdivps(a, b, c Op) { VDIVPS(a, b, c) }

func (e *expr) sqrt(a Mem) Mem {
	VSQRTPS(a, Y0)
	s := e.slot()
	VMOVUPS(Y0, s)
	return s
}

// blend is mask ? a : b lane by lane.
func (e *expr) blend(mask, a, b Mem) Mem {
	VMOVUPS(mask, Y1)
	VMOVUPS(b, Y0)
	VBLENDVPS(Y1, a, Y0, Y0)
	s := e.slot()
	VMOVUPS(Y0, s)
	return s
}

// within is the mask |x| < w.
func (e *expr) within(x, w Mem) Mem {
	VMOVUPS(x, Y0)
	VANDPS(e.bits(0x7fffffff), Y0, Y0)
	VCMPPS(U8(0x11), w, Y0, Y0) // LT_OQ
	s := e.slot()
	VMOVUPS(Y0, s)
	return s
}

// exp is package f32's Exp.
func (e *expr) exp(x Mem) Mem {
	VMOVUPS(x, Y1)
	VMAXPS(e.c(-87), Y1, Y1)
	VMINPS(e.c(88), Y1, Y1)
	VMULPS(e.c(1.44269504088896341), Y1, Y2)
	VROUNDPS(U8(8), Y2, Y2)
	VMULPS(e.c(0.693359375), Y2, Y3)
	VSUBPS(Y3, Y1, Y3)
	VMULPS(e.c(-2.12194440e-4), Y2, Y4)
	VSUBPS(Y4, Y3, Y3)
	VMOVUPS(e.c(1.0/5040), Y4)
	for _, k := range []float32{1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1} {
		VMULPS(Y3, Y4, Y4)
		VADDPS(e.c(k), Y4, Y4)
	}
	VCVTPS2DQ(Y2, Y5)
	VPADDD(e.bits(127), Y5, Y5)
	VPSLLD(U8(23), Y5, Y5)
	VMULPS(Y5, Y4, Y4)
	s := e.slot()
	VMOVUPS(Y4, s)
	return s
}

// linRate is package nn's linRate: the value and derivative of
// s·x/(1 − E) with its series for |x| < small.
func (e *expr) linRate(s, s10 float32, x, ex, small Mem) (f, df Mem) {
	y := e.mul(x, e.c(0.1))
	y2 := e.mul(y, y)
	fs := e.mul(e.sub(e.add(e.add(e.mul(y, e.c(0.5)), e.c(1)), e.mul(y2, e.c(1.0/12))), e.mul(e.mul(y2, y2), e.c(1.0/720))), e.c(s10))
	dfs := e.mul(e.sub(e.add(e.mul(y, e.c(1.0/6)), e.c(0.5)), e.mul(e.mul(y2, y), e.c(1.0/180))), e.c(s))
	d := e.sub(e.c(1), ex)
	ff := e.div(e.mul(x, e.c(s)), d)
	dff := e.div(e.mul(e.sub(d, e.mul(e.mul(x, ex), e.c(0.1))), e.c(s)), e.mul(d, d))
	series := e.within(x, small)
	return e.blend(series, fs, ff), e.blend(series, dfs, dff)
}

// gate is package nn's gate: the new value and its derivatives by x and V.
func (e *expr) gate(x, a, b, da, db, nhs Mem) (nx, dx, dv Mem) {
	k := e.add(a, b)
	inf := e.div(a, k)
	ek := e.exp(e.mul(k, nhs))
	xe := e.mul(e.sub(x, inf), ek)
	dk := e.add(da, db)
	dinf := e.div(e.sub(da, e.mul(inf, dk)), k)
	nx = e.add(inf, xe)
	dv = e.add(e.mul(dinf, e.sub(e.c(1), ek)), e.mul(e.mul(xe, nhs), dk))
	return nx, ek, dv
}

// hhvStatic writes HHvStatic: package nn's HHv static course (courseStatic
// with the rectangular surrogate) for eight neurons at a time, n a
// multiple of 8. k holds the gain, −substep, the threshold, the
// surrogate's half-width, the series' bound and the rest state V, m, h, n.
func hhvStatic() {
	e := newExpr("hhvConsts")
	TEXT("HHvStatic", 0, "func(in, count, sens *float32, n, steps, substeps int, k *[9]float32)")
	Pragma("noescape")
	Doc("HHvStatic is package nn's HHv static form (courseStatic, rectangular",
		"surrogate) for n neurons, n a multiple of 8, and substeps ≥ 1: spike",
		"counts to count, their derivatives by the input current to sens.")
	par := make([]Mem, 9)
	MOVQ(param("k"), RAX)
	for i := range par {
		par[i] = e.slot()
		VBROADCASTSS(at(RAX, 4*i), Y0)
		VMOVUPS(Y0, par[i])
	}
	gain, nhs, theta, lens, small := par[0], par[1], par[2], par[3], par[4]
	v, m, h, nn := e.slot(), e.slot(), e.slot(), e.slot()
	tv, tm, th, tn := e.slot(), e.slot(), e.slot(), e.slot()
	cur, count, sens, maxV, tMax, crossed := e.slot(), e.slot(), e.slot(), e.slot(), e.slot(), e.slot()
	MOVQ(param("in"), RSI)
	MOVQ(param("count"), RDI)
	MOVQ(param("sens"), RDX)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("hhvDone"))
	label("hhvGroup")
	VMOVUPS(gain, Y0)
	VMULPS(at(RSI, 0), Y0, Y0)
	VMOVUPS(Y0, cur)
	for q, s := range []Mem{v, m, h, nn} {
		VMOVUPS(par[5+q], Y0)
		VMOVUPS(Y0, s)
	}
	zero(Y0)
	for _, s := range []Mem{tv, tm, th, tn, count, sens} {
		VMOVUPS(Y0, s)
	}
	Load(Param("steps"), R9)
	TESTQ(R9, R9)
	JZ(lbl("hhvStore"))
	label("hhvStep")
	VMOVUPS(e.c(float32(math.Inf(-1))), Y0)
	VMOVUPS(Y0, maxV)
	zero(Y0)
	VMOVUPS(Y0, tMax)
	VMOVUPS(Y0, crossed)
	Load(Param("substeps"), R10)
	label("hhvSub")

	// substep: the gating rates …
	u := e.exp(e.mul(v, e.c(-0.1)))
	an, dan := e.linRate(0.01, 0.1, e.sub(v, e.c(10)), e.mul(u, e.c(float32(math.E))), small)
	am, dam := e.linRate(0.1, 1, e.sub(v, e.c(25)), e.mul(u, e.c(12.182493960703473)), small)
	sq := e.sqrt(u)
	ah := e.mul(sq, e.c(0.07))
	bn := e.mul(e.sqrt(e.sqrt(sq)), e.c(0.125))
	bm := e.mul(e.exp(e.mul(v, e.c(-1.0/18))), e.c(4))
	bh := e.div(e.c(1), e.add(e.mul(u, e.c(20.085536923187668)), e.c(1)))
	// … the gates …
	nm, dmm, dmv := e.gate(m, am, bm, dam, e.mul(bm, e.c(-1.0/18)), nhs)
	nh, dhh, dhv := e.gate(h, ah, bh, e.mul(ah, e.c(-0.05)), e.mul(e.mul(bh, e.sub(e.c(1), bh)), e.c(0.1)), nhs)
	nn2, dnn, dnv := e.gate(nn, an, bn, dan, e.mul(bn, e.c(-0.0125)), nhs)
	// … the membrane …
	m2 := e.mul(m, m)
	m3 := e.mul(m2, m)
	n3 := e.mul(e.mul(nn, nn), nn)
	gna := e.mul(e.mul(m3, e.c(120)), h)
	gk := e.mul(e.mul(n3, e.c(36)), nn)
	g := e.add(e.add(gna, gk), e.c(0.3))
	vinf := e.div(e.add(e.add(e.add(e.mul(gna, e.c(115)), e.mul(gk, e.c(-12))), e.c(0.3*10.613)), cur), g)
	ev := e.exp(e.mul(nhs, g))
	evd := e.mul(e.sub(v, vinf), ev)
	nv := e.add(vinf, evd)
	// … its derivatives …
	p := e.div(e.sub(e.c(1), ev), g)
	q := e.mul(nhs, evd)
	dA := e.mul(e.add(e.mul(e.sub(e.c(115), vinf), p), q), e.c(120))
	dB := e.mul(e.add(e.mul(e.sub(e.c(-12), vinf), p), q), e.c(36))
	jvm := e.mul(e.mul(e.mul(dA, e.c(3)), m2), h)
	jvh := e.mul(dA, m3)
	jvn := e.mul(e.mul(dB, e.c(4)), n3)
	// … and the derivatives by the current carried forward.
	ntv := e.add(e.add(e.add(e.add(e.mul(ev, tv), e.mul(jvm, tm)), e.mul(jvh, th)), e.mul(jvn, tn)), p)
	ntm := e.add(e.mul(dmv, tv), e.mul(dmm, tm))
	nth := e.add(e.mul(dhv, tv), e.mul(dhh, th))
	ntn := e.add(e.mul(dnv, tv), e.mul(dnn, tn))
	// crossed |= [v ≤ θ] & [v′ > θ]; a new maximum takes its derivative.
	VMOVUPS(v, Y0)
	VCMPPS(U8(0x12), theta, Y0, Y0) // LE_OQ
	VMOVUPS(nv, Y1)
	VCMPPS(U8(0x1e), theta, Y1, Y1) // GT_OQ
	VANDPS(Y1, Y0, Y0)
	VORPS(crossed, Y0, Y0)
	VMOVUPS(Y0, crossed)
	VMOVUPS(nv, Y1)
	VCMPPS(U8(0x1e), maxV, Y1, Y2) // v′ > maxV
	VMOVUPS(maxV, Y0)
	VBLENDVPS(Y2, Y1, Y0, Y0)
	VMOVUPS(Y0, maxV)
	VMOVUPS(tMax, Y0)
	VBLENDVPS(Y2, ntv, Y0, Y0)
	VMOVUPS(Y0, tMax)
	for _, mv := range [][2]Mem{{nv, v}, {nm, m}, {nh, h}, {nn2, nn}, {ntv, tv}, {ntm, tm}, {nth, th}, {ntn, tn}} {
		VMOVUPS(mv[0], Y0)
		VMOVUPS(Y0, mv[1])
	}
	DECQ(R10)
	JNZ(lbl("hhvSub"))

	// count += crossed; sens += [|maxV − θ| < lens]·tMax.
	VMOVUPS(crossed, Y0)
	VANDPS(e.c(1), Y0, Y0)
	VADDPS(count, Y0, Y0)
	VMOVUPS(Y0, count)
	w := e.within(e.sub(maxV, theta), lens)
	VMOVUPS(w, Y0)
	VANDPS(tMax, Y0, Y0)
	VADDPS(sens, Y0, Y0)
	VMOVUPS(Y0, sens)
	DECQ(R9)
	JNZ(lbl("hhvStep"))
	label("hhvStore")

	VMOVUPS(count, Y0)
	VMOVUPS(Y0, at(RDI, 0))
	VMOVUPS(sens, Y0)
	VMOVUPS(Y0, at(RDX, 0))
	nextVector("hhvGroup", "hhvDone", RSI, RDI, RDX)
	e.data()
}
