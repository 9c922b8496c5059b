//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

// slifMaxSteps bounds the steps the s-LIF2HH vector kernels keep on the
// stack; longer sequences take the generic code.
const slifMaxSteps = 32

// slifForward32 runs the static s-LIF2HH forward pass for units u0, u0+8,
// … of one sample (unit j0 first) with AVX2, the generic code's operations
// in the same order lane by lane, and returns how many units it did. It
// stores no membranes: slifBackward32 recomputes them, which is cheaper
// here than writing and reading T·4 membranes per unit (measured).
func slifForward32(s *slifStatic[float32], u0, u1, b, j0 int) int {
	if !archsimd.X86.AVX2() || s.l.steps > slifMaxSteps {
		return 0
	}
	n := 0
	for ; u0+n+8 <= u1; n += 8 {
		slifUnits32(s, b, j0+n, nil)
	}
	archsimd.ClearAVXUpperBits()
	return n
}

// slifUnits32 runs the forward pass of the eight units from unit j of
// sample b, writing their counts, and their membranes into hist if it is
// not nil.
func slifUnits32(s *slifStatic[float32], b, j int, hist *[slifMaxSteps][4][8]float32) {
	l, w := s.l, s.w
	bc := archsimd.BroadcastFloat32x8
	one, d, th := bc(1), bc(l.Decay), bc(l.Theta)
	w0, w1, w2, bias := bc(l.Mix.Value[0]), bc(l.Mix.Value[1]), bc(l.Mix.Value[2]), bc(l.Mix.Value[3])
	x0 := archsimd.LoadFloat32x8Slice(s.in[b*3*w+j:])
	x1 := archsimd.LoadFloat32x8Slice(s.in[b*3*w+w+j:])
	x2 := archsimd.LoadFloat32x8Slice(s.in[b*3*w+2*w+j:])
	var m0, m1, m2, m3, s0, s1, s2, s3, c0, c1, c2, c3 archsimd.Float32x8
	for t := 0; t < l.steps; t++ {
		p0, p1, p2 := m0, m1, m2
		m0 = d.Mul(m0).Mul(one.Sub(s0)).Add(x0)
		m1 = d.Mul(m1).Mul(one.Sub(s1)).Add(x1)
		m2 = d.Mul(m2).Mul(one.Sub(s2)).Add(x2)
		m3 = d.Mul(m3).Mul(one.Sub(s3)).Add(w0.Mul(p0)).Add(w1.Mul(p1)).Add(w2.Mul(p2)).Add(bias)
		if hist != nil {
			// Store, not assign: Go copies vector values with legacy-SSE
			// moves, which pay the AVX→SSE penalty.
			m0.Store(&hist[t][0])
			m1.Store(&hist[t][1])
			m2.Store(&hist[t][2])
			m3.Store(&hist[t][3])
		}
		s0, s1 = one.Masked(m0.Greater(th)), one.Masked(m1.Greater(th))
		s2, s3 = one.Masked(m2.Greater(th)), one.Masked(m3.Greater(th))
		c0, c1, c2, c3 = c0.Add(s0), c1.Add(s1), c2.Add(s2), c3.Add(s3)
	}
	if hist == nil {
		c0.StoreSlice(s.count[b*4*w+j:])
		c1.StoreSlice(s.count[b*4*w+w+j:])
		c2.StoreSlice(s.count[b*4*w+2*w+j:])
		c3.StoreSlice(s.count[b*4*w+3*w+j:])
	}
}

// slifBackward32 is the static s-LIF2HH backward pass for the units
// slifForward32 did. The input gradients are the generic code's bits; the
// mixing gradient is summed in float32 lanes, then added to part (float64)
// eight units at a time, so its last bits differ from the generic sum's.
//
// Sub-neuron 4 feeds the other three only through its membrane gradient
// dm₄(t), so it runs first, keeping dm₄ for every step, and then each of
// sub-neurons 1–3 runs on its own: few live vectors (no spills), the same
// operations in the same order as the generic code.
func slifBackward32(s *slifStatic[float32], u0, u1, b, j0 int, part *[4]float64) int {
	if !archsimd.X86.AVX2() || s.l.steps > slifMaxSteps {
		return 0
	}
	w := s.w
	var hist [slifMaxSteps][4][8]float32
	var dm3s [slifMaxSteps][8]float32
	var lanes [4][8]float32
	n := 0
	for ; u0+n+8 <= u1; n += 8 {
		j := j0 + n
		slifUnits32(s, b, j, &hist)
		slifBackward32Sub4(s, &hist, &dm3s, s.dCt[b*4*w+3*w+j:], &lanes[3])
		for k := 0; k < 3; k++ {
			slifBackward32Sub(s, k, &hist, &dm3s, s.dCt[b*4*w+k*w+j:], s.dIn[b*3*w+k*w+j:], &lanes[k])
		}
		for q := range lanes {
			var sum float64
			for _, v := range lanes[q] {
				sum += float64(v)
			}
			part[q] += sum
		}
	}
	return n
}

// slifBackward32Sub4 walks sub-neuron 4 back through time, storing its
// membrane gradient of each step in dm3s and the bias gradient in db.
func slifBackward32Sub4(s *slifStatic[float32], hist *[slifMaxSteps][4][8]float32, dm3s *[slifMaxSteps][8]float32, g []float32, db *[8]float32) {
	l := s.l
	bc := archsimd.BroadcastFloat32x8
	one, d, th, lens := bc(1), bc(l.Decay), bc(l.Theta), bc(l.Surrogate.Lens)
	var zero, cm, cs, sum archsimd.Float32x8
	gv := archsimd.LoadFloat32x8Slice(g)
	for t := l.steps - 1; t >= 0; t-- {
		y := archsimd.LoadFloat32x8(&hist[t][3]).Sub(th)
		dm := cm.Add(gv.Add(cs).Masked(lens.Greater(y.Max(zero.Sub(y)))))
		dm.Store(&dm3s[t])
		sum = sum.Add(dm)
		if t == 0 {
			break
		}
		p := archsimd.LoadFloat32x8(&hist[t-1][3])
		cm = dm.Mul(d).Mul(one.Sub(one.Masked(p.Greater(th))))
		cs = zero.Sub(dm).Mul(d).Mul(p)
	}
	sum.Store(db)
	archsimd.ClearAVXUpperBits()
}

// slifBackward32Sub walks sub-neuron k (0–2) back through time given
// sub-neuron 4's membrane gradients, writing its input gradient to dIn and
// its mixing-weight gradient to dw.
func slifBackward32Sub(s *slifStatic[float32], k int, hist *[slifMaxSteps][4][8]float32, dm3s *[slifMaxSteps][8]float32, g, dIn []float32, dw *[8]float32) {
	l := s.l
	bc := archsimd.BroadcastFloat32x8
	one, d, th, lens, wk := bc(1), bc(l.Decay), bc(l.Theta), bc(l.Surrogate.Lens), bc(l.Mix.Value[k])
	var zero, cm, cs, di, dwv archsimd.Float32x8
	gv := archsimd.LoadFloat32x8Slice(g)
	for t := l.steps - 1; t >= 0; t-- {
		y := archsimd.LoadFloat32x8(&hist[t][k]).Sub(th)
		dm := cm.Add(gv.Add(cs).Masked(lens.Greater(y.Max(zero.Sub(y)))))
		di = di.Add(dm)
		if t == 0 {
			break
		}
		p := archsimd.LoadFloat32x8(&hist[t-1][k])
		dm3 := archsimd.LoadFloat32x8(&dm3s[t])
		dwv = dwv.Add(dm3.Mul(p))
		cm = dm.Mul(d).Mul(one.Sub(one.Masked(p.Greater(th)))).Add(dm3.Mul(wk))
		cs = zero.Sub(dm).Mul(d).Mul(p)
	}
	di.StoreSlice(dIn)
	dwv.Store(dw)
	archsimd.ClearAVXUpperBits()
}
