//go:build !amd64 || purego

package kernels

// SLIFStepForward is one step of package nn's per-step s-LIF2HH forward
// for n units; p holds the rows of the previous membranes pm₀…pm₃ (unread
// when first), the inputs in₀…in₂, the membranes m₀…m₃ and spikes s₀…s₃.
func SLIFStepForward(d, th float32, mix *[4]float32, p *[15]uintptr, first bool, n int) {
	w0, w1, w2, b := mix[0], mix[1], mix[2], mix[3]
	for i := range n {
		var pm [4]float32
		if !first {
			for k := range pm {
				pm[k] = at(p[k], n)[i]
			}
		}
		var m [4]float32
		for k := range 3 {
			m[k] = d*pm[k]*(1-above(pm[k], th)) + at(p[4+k], n)[i]
		}
		m[3] = d*pm[3]*(1-above(pm[3], th)) + w0*pm[0] + w1*pm[1] + w2*pm[2] + b
		for k := range m {
			at(p[7+k], n)[i] = m[k]
			at(p[11+k], n)[i] = above(m[k], th)
		}
	}
}

// SLIFStepBackward is one step of package nn's per-step s-LIF2HH backward
// for n units; p holds the rows of the membranes m₀…m₃, the carried
// gradients n₀…n₃ (read and overwritten), the spike gradients g₀…g₃ and the
// input gradients dIn₀…dIn₂ (added to). acc gains the mixing gradient,
// eight lanes (unit i in lane i mod 8) per weight.
func SLIFStepBackward(d, th, lens float32, mix *[4]float32, p *[15]uintptr, notLast bool, n int, acc *[32]float32) {
	for i := range n {
		var nx, m [4]float32
		for k := range 4 {
			nx[k], m[k] = at(p[4+k], n)[i], at(p[k], n)[i]
		}
		if notLast {
			for k := range 3 {
				acc[8*k+i%8] += nx[3] * m[k]
			}
		}
		var dm [4]float32
		for k := range dm {
			cMem := nx[k] * d * (1 - above(m[k], th))
			if k < 3 {
				cMem += nx[3] * mix[k]
			}
			cSpk := -nx[k] * d * m[k]
			dm[k] = cMem + (at(p[8+k], n)[i]+cSpk)*within(m[k]-th, lens)
			at(p[4+k], n)[i] = dm[k]
		}
		for k := range 3 {
			at(p[12+k], n)[i] += dm[k]
		}
		acc[24+i%8] += dm[3]
	}
}

// SLIFUnits is package nn's static s-LIF2HH forward for eight units: p
// holds the rows of the three inputs and the four spike counts. With hist
// (steps × 4 × 8 values) the membranes of every step go there and the
// counts are not written.
func SLIFUnits(d, th float32, mix *[4]float32, steps int, p *[7]uintptr, hist *float32) {
	w0, w1, w2, b := mix[0], mix[1], mix[2], mix[3]
	for i := range 8 {
		var x [3]float32
		for k := range x {
			x[k] = at(p[k], 8)[i]
		}
		var m, sp, c [4]float32
		for t := range steps {
			p0, p1, p2 := m[0], m[1], m[2]
			for k := range 3 {
				m[k] = d*m[k]*(1-sp[k]) + x[k]
			}
			m[3] = d*m[3]*(1-sp[3]) + w0*p0 + w1*p1 + w2*p2 + b
			for k := range m {
				if hist != nil {
					row(hist, 32*t+8*k+i, 1)[0] = m[k]
				}
				sp[k] = above(m[k], th)
				c[k] += sp[k]
			}
		}
		if hist == nil {
			for k := range c {
				at(p[3+k], 8)[i] = c[k]
			}
		}
	}
}

// SLIFBackSub walks sub-neuron k of eight static s-LIF2HH units back
// through time from the membranes in hist (steps × 4 × 8 values). For k =
// 3 the membrane gradients go to dm3s (steps × 8) and their sums to dw (the
// bias gradient); for k < 3 the carried gradient gains dm3s·wk, the sums go
// to dIn and those of dm3s times the previous membrane to dw. dIn and dw
// are overwritten.
func SLIFBackSub(d, th, lens, wk float32, k, steps int, hist, dm3s, dCount, dIn, dw *float32) {
	g := row(dCount, 0, 8)
	var sumIn, sumW [8]float32
	for i := range 8 {
		var cMem, cSpk float32
		for t := steps - 1; t >= 0; t-- {
			m := row(hist, 32*t+8*k+i, 1)[0]
			dm := cMem + (g[i]+cSpk)*within(m-th, lens)
			if k == 3 {
				row(dm3s, 8*t+i, 1)[0] = dm
				sumW[i] += dm
			} else {
				sumIn[i] += dm
			}
			if t == 0 {
				break
			}
			pm := row(hist, 32*(t-1)+8*k+i, 1)[0]
			if k < 3 {
				sumW[i] += row(dm3s, 8*t+i, 1)[0] * pm
			}
			cMem = dm * d * (1 - above(pm, th))
			if k < 3 {
				cMem += row(dm3s, 8*t+i, 1)[0] * wk
			}
			cSpk = -dm * d * pm
		}
	}
	if k < 3 {
		copy(row(dIn, 0, 8), sumIn[:])
	}
	copy(row(dw, 0, 8), sumW[:])
}
