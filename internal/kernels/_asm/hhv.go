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
	k      int // groups of eight neurons an operation covers
	table  string
	consts map[uint32]int // bits → offset in the table
	order  []uint32
}

// newExpr returns an emitter whose operations cover k groups of eight
// neurons, one after the other: their chains of dependent operations are
// independent, so the core overlaps them (one group's chain alone waits
// on every store-to-load forwarding; four run 3× faster).
func newExpr(table string, k int) *expr {
	return &expr{k: k, table: table, consts: map[uint32]int{}}
}

// at is group g's part of m: the next 32 bytes g times over, except for a
// constant, which serves every group.
func (e *expr) at(m Mem, g int) Mem {
	if m.Symbol.Name != "" {
		return m
	}
	return m.Offset(32 * g)
}

// each emits f for every group.
func (e *expr) each(f func(g int)) {
	for g := range e.k {
		f(g)
	}
}

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

func (e *expr) slot() Mem { return AllocLocal(32 * e.k) }

// op applies the instruction to a (loaded into Y0) and b and stores the
// result in a fresh slot.
func (e *expr) op(ins func(Op, Op, Op), a, b Mem) Mem {
	s := e.slot()
	e.each(func(g int) {
		VMOVUPS(e.at(a, g), Y0)
		ins(e.at(b, g), Y0, Y0)
		VMOVUPS(Y0, e.at(s, g))
	})
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
	s := e.slot()
	e.each(func(g int) {
		VSQRTPS(e.at(a, g), Y0)
		VMOVUPS(Y0, e.at(s, g))
	})
	return s
}

// blend is mask ? a : b lane by lane.
func (e *expr) blend(mask, a, b Mem) Mem {
	s := e.slot()
	e.each(func(g int) {
		VMOVUPS(e.at(mask, g), Y1)
		VMOVUPS(e.at(b, g), Y0)
		VBLENDVPS(Y1, e.at(a, g), Y0, Y0)
		VMOVUPS(Y0, e.at(s, g))
	})
	return s
}

// within is the mask |x| < w.
func (e *expr) within(x, w Mem) Mem {
	s := e.slot()
	e.each(func(g int) {
		VMOVUPS(e.at(x, g), Y0)
		VANDPS(e.bits(0x7fffffff), Y0, Y0)
		VCMPPS(U8(0x11), e.at(w, g), Y0, Y0) // LT_OQ
		VMOVUPS(Y0, e.at(s, g))
	})
	return s
}

// exp is package f32's Exp.
func (e *expr) exp(x Mem) Mem {
	s := e.slot()
	e.each(func(g int) {
		VMOVUPS(e.at(x, g), Y1)
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
		VMOVUPS(Y4, e.at(s, g))
	})
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

// hhvGroups is the groups of eight neurons the HHv kernels take at a
// time: n must be a multiple of 8·hhvGroups.
const hhvGroups = 4

// copyTo copies a to b, every group.
func (e *expr) copyTo(a, b Mem) {
	e.each(func(g int) {
		VMOVUPS(e.at(a, g), Y0)
		VMOVUPS(Y0, e.at(b, g))
	})
}

// zeroTo clears the slots, every group.
func (e *expr) zeroTo(slots ...Mem) {
	zero(Y0)
	for _, s := range slots {
		e.each(func(g int) { VMOVUPS(Y0, e.at(s, g)) })
	}
}

// hhvParams broadcasts k's nine values into slots, every group.
func (e *expr) hhvParams() []Mem {
	par := make([]Mem, 9)
	MOVQ(param("k"), RAX)
	for i := range par {
		par[i] = e.slot()
		VBROADCASTSS(at(RAX, 4*i), Y0)
		e.each(func(g int) { VMOVUPS(Y0, e.at(par[i], g)) })
	}
	return par
}

// current sets cur = gain·in for the groups at RDX... base.
func (e *expr) current(gain Mem, in Register, cur Mem) {
	e.each(func(g int) {
		VMOVUPS(e.at(gain, g), Y0)
		VMULPS(at(in, 32*g), Y0, Y0)
		VMOVUPS(Y0, e.at(cur, g))
	})
}

// stateAt is the state of the neurons at base, its four variables
// stride bytes apart (R11 holds the stride, R12 three strides).
func stateAt(base Register) [4]Mem {
	return [4]Mem{at(base, 0), idx(base, 0, R11, 1), idx(base, 0, R11, 2), idx(base, 0, R12, 1)}
}

// nextGroups advances the pointers past this iteration's neurons and
// loops while R8 counts iterations.
func (e *expr) nextGroups(loop, done string, ptrs ...Register) {
	for _, p := range ptrs {
		ADDQ(U32(32*e.k), p)
	}
	DECQ(R8)
	JNZ(lbl("%s", loop))
	label("%s", done)
	VZEROUPPER()
	RET()
}

// counter loads n/(8k) into R8 and jumps to done for none.
func (e *expr) counter(done string) {
	MOVQ(param("n"), R8)
	SHRQ(U8(3), R8)
	MOVQ(R8, RAX)
	XORQ(RDX, RDX)
	MOVQ(U32(e.k), RCX)
	DIVQ(RCX)
	MOVQ(RAX, R8)
	TESTQ(R8, R8)
	JZ(lbl("%s", done))
}

// cross sets crossed |= [v ≤ θ] & [v′ > θ].
func (e *expr) cross(v, nv, theta, crossed Mem) {
	e.each(func(g int) {
		VMOVUPS(e.at(v, g), Y0)
		VCMPPS(U8(0x12), e.at(theta, g), Y0, Y0) // LE_OQ
		VMOVUPS(e.at(nv, g), Y1)
		VCMPPS(U8(0x1e), e.at(theta, g), Y1, Y1) // GT_OQ
		VANDPS(Y1, Y0, Y0)
		VORPS(e.at(crossed, g), Y0, Y0)
		VMOVUPS(Y0, e.at(crossed, g))
	})
}

// newMax keeps, where v > maxV, v as maxV and val as at (the first
// maximum and what goes with it).
func (e *expr) newMax(v, maxV, val, atMax Mem) {
	e.each(func(g int) {
		VMOVUPS(e.at(v, g), Y1)
		VCMPPS(U8(0x1e), e.at(maxV, g), Y1, Y2) // v > maxV
		VMOVUPS(e.at(maxV, g), Y0)
		VBLENDVPS(Y2, Y1, Y0, Y0)
		VMOVUPS(Y0, e.at(maxV, g))
		VMOVUPS(e.at(atMax, g), Y0)
		VBLENDVPS(Y2, e.at(val, g), Y0, Y0)
		VMOVUPS(Y0, e.at(atMax, g))
	})
}

// hhvStatic writes HHvStatic: package nn's HHv static form (courseStatic
// with the rectangular surrogate) for 8·hhvGroups neurons at a time. k
// holds the gain, −substep, the threshold, the surrogate's half-width,
// the series' bound and the rest state V, m, h, n.
func hhvStatic() {
	e := newExpr("hhvConsts", hhvGroups)
	TEXT("HHvStatic", 0, "func(in, count, sens *float32, n, steps, substeps int, k *[9]float32)")
	Pragma("noescape")
	Doc("HHvStatic is package nn's HHv static form (courseStatic, rectangular",
		"surrogate) for n neurons, n a multiple of 32, and substeps ≥ 1: spike",
		"counts to count, their derivatives by the input current to sens.")
	par := e.hhvParams()
	gain, nhs, theta, lens, small := par[0], par[1], par[2], par[3], par[4]
	v, m, h, nn := e.slot(), e.slot(), e.slot(), e.slot()
	tv, tm, th, tn := e.slot(), e.slot(), e.slot(), e.slot()
	cur, count, sens, maxV, tMax, crossed := e.slot(), e.slot(), e.slot(), e.slot(), e.slot(), e.slot()
	e.counter("hhvDone")
	MOVQ(param("in"), RSI)
	MOVQ(param("count"), RDI)
	MOVQ(param("sens"), RDX)
	label("hhvGroup")
	e.current(gain, RSI, cur)
	for q, s := range []Mem{v, m, h, nn} {
		e.copyTo(par[5+q], s)
	}
	e.zeroTo(tv, tm, th, tn, count, sens)
	Load(Param("steps"), R9)
	TESTQ(R9, R9)
	JZ(lbl("hhvStore"))
	label("hhvStep")
	e.copyTo(e.c(float32(math.Inf(-1))), maxV)
	e.zeroTo(tMax, crossed)
	Load(Param("substeps"), R10)
	label("hhvSub")

	ns, j := e.substep(state{v, m, h, nn}, cur, nhs, small, true)
	// The derivatives by the current carried forward.
	ntv := e.add(e.add(e.add(e.add(e.mul(j.vv, tv), e.mul(j.vm, tm)), e.mul(j.vh, th)), e.mul(j.vn, tn)), j.vi)
	ntm := e.add(e.mul(j.mv, tv), e.mul(j.mm, tm))
	nth := e.add(e.mul(j.hv, tv), e.mul(j.hh, th))
	ntn := e.add(e.mul(j.nv, tv), e.mul(j.nn, tn))
	// crossed |= [v ≤ θ] & [v′ > θ]; a new maximum takes its derivative.
	e.cross(v, ns.v, theta, crossed)
	e.newMax(ns.v, maxV, ntv, tMax)
	for _, mv := range [][2]Mem{{ns.v, v}, {ns.m, m}, {ns.h, h}, {ns.n, nn}, {ntv, tv}, {ntm, tm}, {nth, th}, {ntn, tn}} {
		e.copyTo(mv[0], mv[1])
	}
	DECQ(R10)
	JNZ(lbl("hhvSub"))

	// count += crossed; sens += [|maxV − θ| < lens]·tMax.
	w := e.within(e.sub(maxV, theta), lens)
	e.each(func(g int) {
		VMOVUPS(e.at(crossed, g), Y0)
		VANDPS(e.c(1), Y0, Y0)
		VADDPS(e.at(count, g), Y0, Y0)
		VMOVUPS(Y0, e.at(count, g))
		VMOVUPS(e.at(w, g), Y0)
		VANDPS(e.at(tMax, g), Y0, Y0)
		VADDPS(e.at(sens, g), Y0, Y0)
		VMOVUPS(Y0, e.at(sens, g))
	})
	DECQ(R9)
	JNZ(lbl("hhvStep"))
	label("hhvStore")
	e.copyTo(count, at(RDI, 0))
	e.copyTo(sens, at(RDX, 0))
	e.nextGroups("hhvGroup", "hhvDone", RSI, RDI, RDX)
	e.data()
}

// hhvStepForward writes HHvStepForward: package hhv's Neuron.Step for
// 8·hhvGroups neurons at a time from the states at ck (V, m, h, n stride
// values apart) on currents gain·in: the new states to state, the spikes
// to spk.
func hhvStepForward() {
	e := newExpr("hhvStepFwdConsts", hhvGroups)
	TEXT("HHvStepForward", 0, "func(ck, state, in, spk *float32, n, stride, substeps int, k *[9]float32)")
	Pragma("noescape")
	Doc("HHvStepForward is package hhv's Neuron.Step (rectangular surrogate) for",
		"n neurons, n a multiple of 32, and substeps ≥ 1: from the states at ck",
		"(V, m, h, n stride values apart) on currents k[0]·in, the new states",
		"to state (the same layout) and the spikes to spk.")
	par := e.hhvParams()
	gain, nhs, theta, small := par[0], par[1], par[2], par[4]
	s := state{e.slot(), e.slot(), e.slot(), e.slot()}
	cur, crossed := e.slot(), e.slot()
	e.counter("hfDone")
	MOVQ(param("ck"), RSI)
	MOVQ(param("state"), RDI)
	MOVQ(param("in"), RDX)
	MOVQ(param("spk"), RCX)
	MOVQ(param("stride"), R11)
	SHLQ(U8(2), R11)
	LEAQ(idx(R11, 0, R11, 2), R12) // 3·stride
	label("hfGroup")
	for q, m := range stateAt(RSI) {
		e.copyTo(m, []Mem{s.v, s.m, s.h, s.n}[q])
	}
	e.current(gain, RDX, cur)
	e.zeroTo(crossed)
	Load(Param("substeps"), R10)
	label("hfSub")
	ns, _ := e.substep(s, cur, nhs, small, false)
	e.cross(s.v, ns.v, theta, crossed) // the rectangular surrogate's spike needs no maximum
	for _, mv := range [][2]Mem{{ns.v, s.v}, {ns.m, s.m}, {ns.h, s.h}, {ns.n, s.n}} {
		e.copyTo(mv[0], mv[1])
	}
	DECQ(R10)
	JNZ(lbl("hfSub"))
	for q, m := range stateAt(RDI) {
		e.copyTo([]Mem{s.v, s.m, s.h, s.n}[q], m)
	}
	e.each(func(g int) {
		VMOVUPS(e.at(crossed, g), Y0)
		VANDPS(e.c(1), Y0, Y0)
		VMOVUPS(Y0, at(RCX, 32*g))
	})
	e.nextGroups("hfGroup", "hfDone", RSI, RDI, RDX, RCX)
	e.data()
}

// hhvMaxSubstepsAsm bounds HHvStepBackward's substeps: it keeps a
// step's states in its frame.
const hhvMaxSubstepsAsm = 64

// hhvStepBackward writes HHvStepBackward: package hhv's Neuron.StepBack
// for 8·hhvGroups neurons at a time.
func hhvStepBackward() {
	e := newExpr("hhvStepBackConsts", hhvGroups)
	TEXT("HHvStepBackward", 0, "func(ck, adj, in, dSpk, di *float32, n, stride, substeps int, k *[9]float32)")
	Pragma("noescape")
	Doc("HHvStepBackward is package hhv's Neuron.StepBack (rectangular",
		"surrogate) for n neurons, n a multiple of 32, and 1 ≤ substeps ≤ 64:",
		"from the step's start states at ck and the adjoints at adj (V, m, h,",
		"n stride values apart) on currents k[0]·in with spike gradients dSpk,",
		"the adjoints of the start states to adj and the currents' gradients",
		"to di.")
	par := e.hhvParams()
	gain, nhs, theta, lens, small := par[0], par[1], par[2], par[3], par[4]
	stateBytes := 4 * 32 * e.k // one substep's states: V, m, h, n of every group
	buf := AllocLocal(stateBytes * (hhvMaxSubstepsAsm + 1))
	s := state{e.slot(), e.slot(), e.slot(), e.slot()}
	a := state{e.slot(), e.slot(), e.slot(), e.slot()}
	cur, maxV, atK, kf, inject, dI := e.slot(), e.slot(), e.slot(), e.slot(), e.slot(), e.slot()
	e.counter("hbDone")
	MOVQ(param("ck"), RSI)
	MOVQ(param("adj"), RDI)
	MOVQ(param("in"), RDX)
	MOVQ(param("dSpk"), RCX)
	MOVQ(param("di"), R9)
	MOVQ(param("stride"), R11)
	SHLQ(U8(2), R11)
	LEAQ(idx(R11, 0, R11, 2), R12)
	label("hbGroup")
	// Forward: the states into buf, the first maximum of V and its substep.
	LEAQ(buf, RBX)
	for q, m := range stateAt(RSI) {
		e.copyTo(m, at(RBX, 32*e.k*q))
	}
	e.current(gain, RDX, cur)
	e.copyTo(e.c(float32(math.Inf(-1))), maxV)
	e.zeroTo(atK, kf)
	Load(Param("substeps"), R10)
	label("hbFwd")
	for q, m := range []Mem{s.v, s.m, s.h, s.n} {
		e.copyTo(at(RBX, 32*e.k*q), m)
	}
	ns, _ := e.substep(s, cur, nhs, small, false)
	ADDQ(U32(stateBytes), RBX)
	for q, m := range []Mem{ns.v, ns.m, ns.h, ns.n} {
		e.copyTo(m, at(RBX, 32*e.k*q))
	}
	e.each(func(g int) { // k, as a float
		VMOVUPS(e.at(kf, g), Y0)
		VADDPS(e.c(1), Y0, Y0)
		VMOVUPS(Y0, e.at(kf, g))
	})
	e.newMax(ns.v, maxV, kf, atK)
	DECQ(R10)
	JNZ(lbl("hbFwd"))
	// inject = dSpk·[|maxV − θ| < lens]
	w := e.within(e.sub(maxV, theta), lens)
	e.each(func(g int) {
		VMOVUPS(e.at(w, g), Y0)
		VANDPS(e.c(1), Y0, Y0)
		VMULPS(at(RCX, 32*g), Y0, Y0) // dSpk·grad, as Go multiplies them
		VMOVUPS(Y0, e.at(inject, g))
	})
	for q, m := range stateAt(RDI) {
		e.copyTo(m, []Mem{a.v, a.m, a.h, a.n}[q])
	}
	e.zeroTo(dI)
	// Backward from substep k = substeps (RBX at its states) to 1.
	label("hbBack")
	e.each(func(g int) { // a.V += inject where k is the maximum's substep
		VMOVUPS(e.at(kf, g), Y1)
		VCMPPS(U8(0x00), e.at(atK, g), Y1, Y2) // k == at
		VMOVUPS(e.at(a.v, g), Y0)
		VADDPS(e.at(inject, g), Y0, Y1)
		VBLENDVPS(Y2, Y1, Y0, Y0)
		VMOVUPS(Y0, e.at(a.v, g))
	})
	SUBQ(U32(stateBytes), RBX)
	for q, m := range []Mem{s.v, s.m, s.h, s.n} {
		e.copyTo(at(RBX, 32*e.k*q), m)
	}
	_, j := e.substep(s, cur, nhs, small, true)
	e.copyTo(e.add(dI, e.mul(j.vi, a.v)), dI)
	nv := e.add(e.add(e.add(e.mul(j.vv, a.v), e.mul(j.mv, a.m)), e.mul(j.hv, a.h)), e.mul(j.nv, a.n))
	nm := e.add(e.mul(j.vm, a.v), e.mul(j.mm, a.m))
	nh := e.add(e.mul(j.vh, a.v), e.mul(j.hh, a.h))
	nn := e.add(e.mul(j.vn, a.v), e.mul(j.nn, a.n))
	for _, mv := range [][2]Mem{{nv, a.v}, {nm, a.m}, {nh, a.h}, {nn, a.n}} {
		e.copyTo(mv[0], mv[1])
	}
	e.each(func(g int) {
		VMOVUPS(e.at(kf, g), Y0)
		VSUBPS(e.c(1), Y0, Y0)
		VMOVUPS(Y0, e.at(kf, g))
	})
	VMOVUPS(kf, Y0)
	VPTEST(Y0, Y0) // k = 0: all lanes +0 (k counts down from substeps in every group alike)
	JNZ(lbl("hbBack"))
	for q, m := range stateAt(RDI) {
		e.copyTo([]Mem{a.v, a.m, a.h, a.n}[q], m)
	}
	e.copyTo(dI, at(R9, 0))
	e.nextGroups("hbGroup", "hbDone", RSI, RDI, RDX, RCX, R9)
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
