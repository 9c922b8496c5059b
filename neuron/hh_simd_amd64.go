//go:build goexperiment.simd && amd64

package neuron

import "simd/archsimd"

// stepFastVector steps neurons lo, lo+4, … four at a time with AVX2 and
// returns the first neuron it left for the scalar kernel. The arithmetic
// is that of stepFastScalar lane by lane (same operations, same order), so
// both give the same numbers. A group with any lane off the fast path
// (|r| > 180 mV, or within 1e-3 mV of a 0/0 point of α_n or α_m) goes to
// the scalar kernel instead.
func (h *HH) stepFastVector(dt float64, lo, hi int) int {
	if !archsimd.X86.AVX2() {
		return lo
	}
	p := &h.Params
	c := p.fastConsts()
	b := archsimd.BroadcastFloat64x4
	rest := b(p.Convention.offsets().rest)
	one, lim, eps, negEps := b(1), b(180), b(1e-3), b(-1e-3)
	negLim := b(-180)
	k720 := b(-1.0 / 720)
	c1, c2, c3, c4, c5, c6 := b(1.0/2), b(1.0/6), b(1.0/24), b(1.0/120), b(1.0/720), b(1.0/5040)
	c7, c8, c9, c10, c11 := b(1.0/40320), b(1.0/362880), b(1.0/3628800), b(1.0/39916800), b(1.0/479001600)
	cn, cm, ch, dn, dm := b(c.cn), b(c.cm), b(c.ch), b(c.dn), b(c.dm)
	k001, k01, k007, k0125, k4 := b(0.01), b(0.1), b(0.07), b(0.125), b(4)
	gNa, gK, gL := b(p.GNa), b(p.GK), b(p.GL)
	eNa, eK, eL := b(p.ENa), b(p.EK), b(p.EL)
	vdt, dtC := b(dt), b(dt/p.C)
	i := lo
	for ; i+4 <= hi; i += 4 {
		v := archsimd.LoadFloat64x4Slice(h.V[i:])
		r := v.Add(rest)
		xn, xm := r.Sub(dn), r.Sub(dm)
		off := r.Greater(lim).Or(r.Less(negLim)).
			Or(xn.LessEqual(eps).And(xn.GreaterEqual(negEps))).
			Or(xm.LessEqual(eps).And(xm.GreaterEqual(negEps)))
		if off.ToBits() != 0 {
			h.stepFastScalar(dt, i, i+4)
			continue
		}
		x := r.Mul(k720)
		x2 := x.Mul(x)
		x4 := x2.Mul(x2)
		x8 := x4.Mul(x4)
		p01 := one.Add(x)
		p23 := c1.Add(x.Mul(c2))
		p45 := c3.Add(x.Mul(c4))
		p67 := c5.Add(x.Mul(c6))
		p89 := c7.Add(x.Mul(c8))
		p1011 := c9.Add(x.Mul(c10))
		q03 := p01.Add(x2.Mul(p23))
		q47 := p45.Add(x2.Mul(p67))
		q811 := p89.Add(x2.Mul(p1011))
		q := q03.Add(x4.Mul(q47)).Add(x8.Mul(q811.Add(x4.Mul(c11))))
		q2 := q.Mul(q)
		q4 := q2.Mul(q2)
		q9 := q4.Mul(q4).Mul(q)
		q18 := q9.Mul(q9)
		q36 := q18.Mul(q18)
		e10 := q36.Mul(q36)
		ah := k007.Mul(q36)
		bn := k0125.Mul(q9)
		bm := k4.Mul(q36).Mul(q4)
		numN, denN := k001.Mul(xn), one.Sub(e10.Mul(cn))
		numM, denM := k01.Mul(xm), one.Sub(e10.Mul(cm))
		denH := one.Add(e10.Mul(ch))
		inv := one.Div(denN.Mul(denM).Mul(denH))
		an := numN.Mul(denM).Mul(denH).Mul(inv)
		am := numM.Mul(denN).Mul(denH).Mul(inv)
		bh := denN.Mul(denM).Mul(inv)

		m := archsimd.LoadFloat64x4Slice(h.M[i:])
		n := archsimd.LoadFloat64x4Slice(h.N[i:])
		hg := archsimd.LoadFloat64x4Slice(h.H[i:])
		in := archsimd.LoadFloat64x4Slice(h.IExt[i:])
		m3 := m.Mul(m).Mul(m)
		n2 := n.Mul(n)
		ion := gNa.Mul(m3).Mul(hg).Mul(v.Sub(eNa)).
			Add(gK.Mul(n2).Mul(n2).Mul(v.Sub(eK))).
			Add(gL.Mul(v.Sub(eL)))
		v.Add(dtC.Mul(in.Sub(ion))).StoreSlice(h.V[i:])
		m.Add(vdt.Mul(am.Mul(one.Sub(m)).Sub(bm.Mul(m)))).StoreSlice(h.M[i:])
		n.Add(vdt.Mul(an.Mul(one.Sub(n)).Sub(bn.Mul(n)))).StoreSlice(h.N[i:])
		hg.Add(vdt.Mul(ah.Mul(one.Sub(hg)).Sub(bh.Mul(hg)))).StoreSlice(h.H[i:])
	}
	return i
}
