//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

// pooledRow32 runs pooled row y of plane with AVX2, 8 pooled outputs at a
// time (a last, overlapping block covers a row that is not a multiple of
// 8: its outputs are computed twice, the same way): the LIF, HH and
// binary units in assembly (pooledRowAsm), s-LIF2HH with this file's Go
// vector code. It runs nothing and reports false for rows shorter than 8
// or without AVX2. The kernels do the scalar code's operations in the same
// order, lane by lane.
func pooledRow32(k *pooledKernel, plane, y int, back bool, mix *[4]float64, grads *pooledScratch) bool {
	if pooledRowAsm(k, plane, y, back, mix) { // LIF, HH, binary (measured 1.5–1.8× this file's Go vector code)
		return true
	}
	half := k.side / 2
	if !k.slif || half < 8 || k.steps > pooledMaxSteps || !archsimd.X86.AVX2() {
		return false
	}
	// Built here, once per row: a vector loaded right after its lanes
	// are stored waits for the stores (measured: most of a kernel's time
	// when loadSplit built them).
	ln := &lanes{archsimd.LoadUint32x8(&[8]uint32{0, 2, 4, 6, 1, 3, 5, 7}),
		archsimd.LoadUint32x8(&[8]uint32{0, 4, 1, 5, 2, 6, 3, 7})}
	for end := 0; end < half; end += 8 {
		x0 := min(end, half-8)
		if back {
			pooledSLIFBackward(k, ln, plane, y, x0, end, mix, grads)
		} else {
			pooledSLIFForward(k, ln, plane, y, x0)
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows (see hhStatic32Vector)
	return true
}

// loadGrads stores the block's pooled gradients of every step, a quarter
// each (the 2×2 mean's derivative), in g, 8 values per step.
func loadGrads(k *pooledKernel, at int, g *pooledScratch) {
	quarter := archsimd.BroadcastFloat32x8(0.25)
	for t, dp := range k.dPooled[:k.steps] {
		archsimd.LoadFloat32x8Slice(dp[at:]).Mul(quarter).StoreSlice(g[8*t:])
	}
}

// grad returns step t's gradients stored by loadGrads.
func grad(g *pooledScratch, t int) archsimd.Float32x8 {
	return archsimd.LoadFloat32x8Slice(g[8*t:])
}

// lanes holds the permutations of loadSplit (split) and storeJoin (join).
type lanes struct{ split, join archsimd.Uint32x8 }

// loadSplit returns the even and odd columns of the 16 map values at s
// (map columns 2x0 … 2x0+15 of a block); idx is lanes.split.
func loadSplit(s []float32, idx archsimd.Uint32x8) (even, odd archsimd.Float32x8) {
	a := archsimd.LoadFloat32x8Slice(s).Permute(idx)     // e0..e3 | o0..o3
	b := archsimd.LoadFloat32x8Slice(s[8:]).Permute(idx) // e4..e7 | o4..o7
	return a.Select128FromPair(0, 2, b), a.Select128FromPair(1, 3, b)
}

// storeJoin writes even and odd columns back as 16 consecutive values
// (loadSplit's inverse); idx is lanes.join.
func storeJoin(s []float32, even, odd archsimd.Float32x8, idx archsimd.Uint32x8) {
	even.Select128FromPair(0, 2, odd).Permute(idx).StoreSlice(s)
	even.Select128FromPair(1, 3, odd).Permute(idx).StoreSlice(s[8:])
}

// neuronAt is the index of the first input neuron of group q of the block.
func neuronAt(k *pooledKernel, plane, y, x0, q int) int {
	return plane*k.side*k.side + (2*y+q/2)*k.side + 2*x0
}

func pooledSLIFForward(k *pooledKernel, ln *lanes, plane, y, x0 int) {
	b := archsimd.BroadcastFloat32x8
	one, dv, thv, quarter := b(1), b(k.d), b(k.th), b(0.25)
	w0, w1, w2, bias := b(k.mix[0]), b(k.mix[1]), b(k.mix[2]), b(k.mix[3])
	size := k.size
	at := (plane*k.side/2+y)*k.side/2 + x0
	for q := range 4 {
		i := neuronAt(k, plane, y, x0, q&2)
		var x [3]archsimd.Float32x8
		for c := range 3 {
			e, o := loadSplit(k.in[c*size+i:], ln.split)
			x[c] = e
			if q&1 == 1 {
				x[c] = o
			}
		}
		var m0, m1, m2, m3 archsimd.Float32x8
		var s0, s1, s2, s3 archsimd.Float32x8
		for t := range k.steps {
			m4 := dv.Mul(m3).Mul(one.Sub(s3)).Add(w0.Mul(m0)).Add(w1.Mul(m1)).Add(w2.Mul(m2)).Add(bias)
			m0 = dv.Mul(m0).Mul(one.Sub(s0)).Add(x[0])
			m1 = dv.Mul(m1).Mul(one.Sub(s1)).Add(x[1])
			m2 = dv.Mul(m2).Mul(one.Sub(s2)).Add(x[2])
			m3 = m4
			s0, s1 = one.Masked(m0.Greater(thv)), one.Masked(m1.Greater(thv))
			s2, s3 = one.Masked(m2.Greater(thv)), one.Masked(m3.Greater(thv))
			n := s0.Add(s1).Add(s2).Add(s3)
			out := k.pooled[t][at:]
			if q > 0 {
				n = archsimd.LoadFloat32x8Slice(out).Add(n)
			}
			n.StoreSlice(out)
		}
	}
	for t := range k.steps {
		out := k.pooled[t][at:]
		archsimd.LoadFloat32x8Slice(out).Mul(quarter).StoreSlice(out)
	}
}

// pooledSLIFBackward adds the mixing gradient of the block's units from
// pooled column counted on (those before it, in an overlapping last
// block, were counted by the block before).
func pooledSLIFBackward(k *pooledKernel, ln *lanes, plane, y, x0, counted int, mix *[4]float64, grads *pooledScratch) {
	b := archsimd.BroadcastFloat32x8
	one, dv, thv, lv := b(1), b(k.d), b(k.th), b(k.lens)
	w := [3]archsimd.Float32x8{b(k.mix[0]), b(k.mix[1]), b(k.mix[2])}
	bias := b(k.mix[3])
	var zero archsimd.Float32x8
	size := k.size
	at := (plane*k.side/2+y)*k.side/2 + x0
	loadGrads(k, at, grads)
	var part [4][8]float32
	for r := range 2 {
		i := neuronAt(k, plane, y, x0, 2*r)
		var xs [3][2]archsimd.Float32x8
		for c := range 3 {
			xs[c][0], xs[c][1] = loadSplit(k.in[c*size+i:], ln.split)
		}
		var dIn [3][2]archsimd.Float32x8
		for p := range 2 {
			var m, sp [4]archsimd.Float32x8
			var a, c, e, dI [3]archsimd.Float32x8
			var f archsimd.Float32x8
			var mixU [4]archsimd.Float32x8 // this group's units
			for t := range k.steps {
				y3 := m[3].Sub(thv)
				r3 := m[3].Mul(one.Masked(lv.Greater(y3.Max(zero.Sub(y3)))))
				oms3 := one.Sub(sp[3])
				for q := range 3 {
					c[q] = dv.Mul(c[q].Mul(oms3).Sub(r3.Mul(c[q]))).Add(w[q].Mul(a[q]))
					e[q] = dv.Mul(e[q].Mul(oms3).Sub(r3.Mul(e[q]))).Add(m[q])
					yq := m[q].Sub(thv)
					gq := one.Masked(lv.Greater(yq.Max(zero.Sub(yq))))
					a[q] = dv.Mul(a[q].Mul(one.Sub(sp[q])).Sub(m[q].Mul(gq).Mul(a[q]))).Add(one)
				}
				f = dv.Mul(f.Mul(oms3).Sub(r3.Mul(f))).Add(one)
				m4 := dv.Mul(m[3]).Mul(oms3).Add(w[0].Mul(m[0])).Add(w[1].Mul(m[1])).Add(w[2].Mul(m[2])).Add(bias)
				for q := range 3 {
					m[q] = dv.Mul(m[q]).Mul(one.Sub(sp[q])).Add(xs[q][p])
				}
				m[3] = m4
				for q := range 4 {
					sp[q] = one.Masked(m[q].Greater(thv))
				}
				ds := grad(grads, t)
				y3 = m[3].Sub(thv)
				g3 := ds.Mul(one.Masked(lv.Greater(y3.Max(zero.Sub(y3)))))
				for q := range 3 {
					yq := m[q].Sub(thv)
					gq := one.Masked(lv.Greater(yq.Max(zero.Sub(yq))))
					dI[q] = dI[q].Add(ds.Mul(gq).Mul(a[q]).Add(g3.Mul(c[q])))
					mixU[q] = mixU[q].Add(g3.Mul(e[q]))
				}
				mixU[3] = mixU[3].Add(g3.Mul(f))
			}
			for q := range 3 {
				dIn[q][p] = dI[q]
			}
			// Per unit, as the scalar code: its own float32 sum first.
			for q := range 4 {
				mixU[q].Store(&part[q])
				archsimd.ClearAVXUpperBits()
				for j := range 8 {
					// Units of the overlapping last block are counted
					// once: only lanes at or past the previous block's end.
					if x0+j >= counted {
						mix[q] += float64(part[q][j])
					}
				}
			}
		}
		for c := range 3 {
			storeJoin(k.dIn[c*size+i:], dIn[c][0], dIn[c][1], ln.join)
		}
	}
}
