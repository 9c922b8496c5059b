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
	par := e.hhvParams()
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

	ns, j := e.substep(state{v, m, h, nn}, cur, nhs, small, true)
	nv, nm, nh, nn2 := ns.v, ns.m, ns.h, ns.n
	// The derivatives by the current carried forward.
	ntv := e.add(e.add(e.add(e.add(e.mul(j.vv, tv), e.mul(j.vm, tm)), e.mul(j.vh, th)), e.mul(j.vn, tn)), j.vi)
	ntm := e.add(e.mul(j.mv, tv), e.mul(j.mm, tm))
	nth := e.add(e.mul(j.hv, tv), e.mul(j.hh, th))
	ntn := e.add(e.mul(j.nv, tv), e.mul(j.nn, tn))
	// crossed |= [v ≤ θ] & [v′ > θ]; a new maximum takes its derivative.
	e.cross(v, nv, theta, crossed)
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

// state is a neuron state's four slots.
type state struct{ v, m, h, n Mem }

// jac is a substep's derivatives' slots (package hhv's Jac).
type jac struct{ vv, vi, vm, vh, vn, mv, mm, hv, hh, nv, nn Mem }

// substep emits package hhv's Substep from s on current cur; with
// withJac it computes the derivatives too.
func (e *expr) substep(s state, cur, nhs, small Mem, withJac bool) (state, jac) {
	v := s.v
	// The gating rates …
	u := e.exp(e.mul(v, e.c(-0.1)))
	an, dan := e.linRate(0.01, 0.1, e.sub(v, e.c(10)), e.mul(u, e.c(float32(math.E))), small)
	am, dam := e.linRate(0.1, 1, e.sub(v, e.c(25)), e.mul(u, e.c(12.182493960703473)), small)
	sq := e.sqrt(u)
	ah := e.mul(sq, e.c(0.07))
	bn := e.mul(e.sqrt(e.sqrt(sq)), e.c(0.125))
	bm := e.mul(e.exp(e.mul(v, e.c(-1.0/18))), e.c(4))
	bh := e.div(e.c(1), e.add(e.mul(u, e.c(20.085536923187668)), e.c(1)))
	// … the gates …
	var out state
	var j jac
	out.m, j.mm, j.mv = e.gate(s.m, am, bm, dam, e.mul(bm, e.c(-1.0/18)), nhs)
	out.h, j.hh, j.hv = e.gate(s.h, ah, bh, e.mul(ah, e.c(-0.05)), e.mul(e.mul(bh, e.sub(e.c(1), bh)), e.c(0.1)), nhs)
	out.n, j.nn, j.nv = e.gate(s.n, an, bn, dan, e.mul(bn, e.c(-0.0125)), nhs)
	// … the membrane …
	m2 := e.mul(s.m, s.m)
	m3 := e.mul(m2, s.m)
	n3 := e.mul(e.mul(s.n, s.n), s.n)
	gna := e.mul(e.mul(m3, e.c(120)), s.h)
	gk := e.mul(e.mul(n3, e.c(36)), s.n)
	g := e.add(e.add(gna, gk), e.c(0.3))
	vinf := e.div(e.add(e.add(e.add(e.mul(gna, e.c(115)), e.mul(gk, e.c(-12))), e.c(0.3*10.613)), cur), g)
	ev := e.exp(e.mul(nhs, g))
	evd := e.mul(e.sub(v, vinf), ev)
	out.v = e.add(vinf, evd)
	if !withJac {
		return out, j
	}
	// … and its derivatives.
	p := e.div(e.sub(e.c(1), ev), g)
	q := e.mul(nhs, evd)
	dA := e.mul(e.add(e.mul(e.sub(e.c(115), vinf), p), q), e.c(120))
	dB := e.mul(e.add(e.mul(e.sub(e.c(-12), vinf), p), q), e.c(36))
	j.vv, j.vi = ev, p
	j.vm = e.mul(e.mul(e.mul(dA, e.c(3)), m2), s.h)
	j.vh = e.mul(dA, m3)
	j.vn = e.mul(e.mul(dB, e.c(4)), n3)
	return out, j
}

// copyTo copies slot a to slot b.
func copyTo(a, b Mem) {
	VMOVUPS(a, Y0)
	VMOVUPS(Y0, b)
}

// hhvParams broadcasts k's nine values into slots.
func (e *expr) hhvParams() []Mem {
	par := make([]Mem, 9)
	MOVQ(param("k"), RAX)
	for i := range par {
		par[i] = e.slot()
		VBROADCASTSS(at(RAX, 4*i), Y0)
		VMOVUPS(Y0, par[i])
	}
	return par
}

// stateAt is the state of eight neurons at base, its four variables
// stride bytes apart (R11 holds the stride).
func stateAt(base Register) [4]Mem {
	return [4]Mem{at(base, 0), idx(base, 0, R11, 1), idx(base, 0, R11, 2), idx(base, 0, R12, 1)}
}

// hhvStepForward writes HHvStepForward: package hhv's Neuron.Step for
// eight neurons at a time from the states at ck (V, m, h, n stride
// values apart) on currents gain·in: the new states to state, the spikes
// to spk.
func hhvStepForward() {
	e := newExpr("hhvStepFwdConsts")
	TEXT("HHvStepForward", 0, "func(ck, state, in, spk *float32, n, stride, substeps int, k *[9]float32)")
	Pragma("noescape")
	Doc("HHvStepForward is package hhv's Neuron.Step (rectangular surrogate) for",
		"n neurons, n a multiple of 8, and substeps ≥ 1: from the states at ck",
		"(V, m, h, n stride values apart) on currents k[0]·in, the new states",
		"to state (the same layout) and the spikes to spk.")
	par := e.hhvParams()
	gain, nhs, theta, small := par[0], par[1], par[2], par[4]
	s := state{e.slot(), e.slot(), e.slot(), e.slot()}
	cur, crossed := e.slot(), e.slot()
	MOVQ(param("ck"), RSI)
	MOVQ(param("state"), RDI)
	MOVQ(param("in"), RDX)
	MOVQ(param("spk"), RCX)
	MOVQ(param("stride"), R11)
	SHLQ(U8(2), R11)
	LEAQ(idx(R11, 0, R11, 2), R12) // 3·stride
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("hfDone"))
	label("hfGroup")
	for q, m := range stateAt(RSI) {
		copyTo(m, []Mem{s.v, s.m, s.h, s.n}[q])
	}
	VMOVUPS(gain, Y0)
	VMULPS(at(RDX, 0), Y0, Y0)
	VMOVUPS(Y0, cur)
	zero(Y0)
	VMOVUPS(Y0, crossed)
	Load(Param("substeps"), R10)
	label("hfSub")
	ns, _ := e.substep(s, cur, nhs, small, false)
	e.cross(s.v, ns.v, theta, crossed) // the rectangular surrogate's spike needs no maximum
	for _, mv := range [][2]Mem{{ns.v, s.v}, {ns.m, s.m}, {ns.h, s.h}, {ns.n, s.n}} {
		copyTo(mv[0], mv[1])
	}
	DECQ(R10)
	JNZ(lbl("hfSub"))
	for q, m := range stateAt(RDI) {
		copyTo([]Mem{s.v, s.m, s.h, s.n}[q], m)
	}
	VMOVUPS(crossed, Y0)
	VANDPS(e.c(1), Y0, Y0)
	VMOVUPS(Y0, at(RCX, 0))
	nextVector("hfGroup", "hfDone", RSI, RDI, RDX, RCX)
	e.data()
}

// cross sets crossed |= [v ≤ θ] & [v′ > θ].
func (e *expr) cross(v, nv, theta, crossed Mem) {
	VMOVUPS(v, Y0)
	VCMPPS(U8(0x12), theta, Y0, Y0) // LE_OQ
	VMOVUPS(nv, Y1)
	VCMPPS(U8(0x1e), theta, Y1, Y1) // GT_OQ
	VANDPS(Y1, Y0, Y0)
	VORPS(crossed, Y0, Y0)
	VMOVUPS(Y0, crossed)
}

// hhvMaxSubstepsAsm bounds HHvStepBackward's substeps: it keeps a
// step's states in its frame.
const hhvMaxSubstepsAsm = 64

// hhvStepBackward writes HHvStepBackward: package hhv's Neuron.StepBack
// for eight neurons at a time.
func hhvStepBackward() {
	e := newExpr("hhvStepBackConsts")
	TEXT("HHvStepBackward", 0, "func(ck, adj, in, dSpk, di *float32, n, stride, substeps int, k *[9]float32)")
	Pragma("noescape")
	Doc("HHvStepBackward is package hhv's Neuron.StepBack (rectangular",
		"surrogate) for n neurons, n a multiple of 8, and 1 ≤ substeps ≤ 64:",
		"from the step's start states at ck and the adjoints at adj (V, m, h,",
		"n stride values apart) on currents k[0]·in with spike gradients dSpk,",
		"the adjoints of the start states to adj and the currents' gradients",
		"to di.")
	par := e.hhvParams()
	gain, nhs, theta, lens, small := par[0], par[1], par[2], par[3], par[4]
	buf := AllocLocal(32 * 4 * (hhvMaxSubstepsAsm + 1)) // the step's states
	s := state{e.slot(), e.slot(), e.slot(), e.slot()}
	a := state{e.slot(), e.slot(), e.slot(), e.slot()}
	cur, maxV, atK, kf, inject, dI := e.slot(), e.slot(), e.slot(), e.slot(), e.slot(), e.slot()
	MOVQ(param("ck"), RSI)
	MOVQ(param("adj"), RDI)
	MOVQ(param("in"), RDX)
	MOVQ(param("dSpk"), RCX)
	MOVQ(param("di"), R9)
	MOVQ(param("stride"), R11)
	SHLQ(U8(2), R11)
	LEAQ(idx(R11, 0, R11, 2), R12)
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	JZ(lbl("hbDone"))
	label("hbGroup")
	// Forward: the states into buf, the first maximum of V and its substep.
	LEAQ(buf, RBX)
	for q, m := range stateAt(RSI) {
		VMOVUPS(m, Y0)
		VMOVUPS(Y0, at(RBX, 32*q))
	}
	VMOVUPS(gain, Y0)
	VMULPS(at(RDX, 0), Y0, Y0)
	VMOVUPS(Y0, cur)
	copyTo(e.c(float32(math.Inf(-1))), maxV)
	zero(Y0)
	VMOVUPS(Y0, atK)
	VMOVUPS(Y0, kf)
	Load(Param("substeps"), R10)
	label("hbFwd")
	for q, m := range []Mem{s.v, s.m, s.h, s.n} {
		copyTo(at(RBX, 32*q), m)
	}
	ns, _ := e.substep(s, cur, nhs, small, false)
	ADDQ(U32(128), RBX)
	for q, m := range []Mem{ns.v, ns.m, ns.h, ns.n} {
		copyTo(m, at(RBX, 32*q))
	}
	VMOVUPS(kf, Y0)
	VADDPS(e.c(1), Y0, Y0)
	VMOVUPS(Y0, kf) // k, as a float
	VMOVUPS(ns.v, Y1)
	VCMPPS(U8(0x1e), maxV, Y1, Y2) // v_k > maxV
	VMOVUPS(maxV, Y0)
	VBLENDVPS(Y2, Y1, Y0, Y0)
	VMOVUPS(Y0, maxV)
	VMOVUPS(atK, Y0)
	VBLENDVPS(Y2, kf, Y0, Y0)
	VMOVUPS(Y0, atK)
	DECQ(R10)
	JNZ(lbl("hbFwd"))
	// inject = dSpk·[|maxV − θ| < lens]
	w := e.within(e.sub(maxV, theta), lens)
	VMOVUPS(w, Y0)
	VANDPS(e.c(1), Y0, Y0)
	VMULPS(at(RCX, 0), Y0, Y0) // dSpk·grad, as Go multiplies them
	VMOVUPS(Y0, inject)
	for q, m := range stateAt(RDI) {
		copyTo(m, []Mem{a.v, a.m, a.h, a.n}[q])
	}
	zero(Y0)
	VMOVUPS(Y0, dI)
	// Backward from substep k = substeps (RBX at its state) to 1.
	label("hbBack")
	VMOVUPS(kf, Y1)
	VCMPPS(U8(0x00), atK, Y1, Y2) // k == at
	VMOVUPS(a.v, Y0)
	VADDPS(inject, Y0, Y1)
	VBLENDVPS(Y2, Y1, Y0, Y0)
	VMOVUPS(Y0, a.v)
	SUBQ(U32(128), RBX)
	for q, m := range []Mem{s.v, s.m, s.h, s.n} {
		copyTo(at(RBX, 32*q), m)
	}
	_, j := e.substep(s, cur, nhs, small, true)
	d := e.add(dI, e.mul(j.vi, a.v))
	copyTo(d, dI)
	nv := e.add(e.add(e.add(e.mul(j.vv, a.v), e.mul(j.mv, a.m)), e.mul(j.hv, a.h)), e.mul(j.nv, a.n))
	nm := e.add(e.mul(j.vm, a.v), e.mul(j.mm, a.m))
	nh := e.add(e.mul(j.vh, a.v), e.mul(j.hh, a.h))
	nn := e.add(e.mul(j.vn, a.v), e.mul(j.nn, a.n))
	for _, mv := range [][2]Mem{{nv, a.v}, {nm, a.m}, {nh, a.h}, {nn, a.n}} {
		copyTo(mv[0], mv[1])
	}
	VMOVUPS(kf, Y0)
	VSUBPS(e.c(1), Y0, Y0)
	VMOVUPS(Y0, kf)
	VPTEST(Y0, Y0) // k = 0: all lanes +0 (k counts down from substeps)
	JNZ(lbl("hbBack"))
	for q, m := range stateAt(RDI) {
		copyTo([]Mem{a.v, a.m, a.h, a.n}[q], m)
	}
	copyTo(dI, at(R9, 0))
	nextVector("hbGroup", "hbDone", RSI, RDI, RDX, RCX, R9)
	e.data()
}
