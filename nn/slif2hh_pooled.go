package nn

import "github.com/hhnet/hhnet/internal/kernels"

// slifCourse runs s-LIF2HH unit i through every step. Forward, it adds the
// sum of its four spikes into the pooled outputs (q = 0 sets them);
// backward, it writes the gradients of its three inputs and adds the
// mixing gradient into mix. Forward-mode derivatives of the step before:
// a_k = ∂m_k/∂x_k (k < 3); for sub-neuron 4, c_k = ∂m₄/∂x_k, e_k = ∂m₄/∂w_k
// and f = ∂m₄/∂b.
func (l *Pooled[F]) slifCourse(i, at, q int, mix *[4]float64) {
	u := l.SLIF
	d, th, sg := u.Decay, u.Theta, u.Surrogate
	w0, w1, w2, b := u.Mix.Value[0], u.Mix.Value[1], u.Mix.Value[2], u.Mix.Value[3]
	wk := [3]F{w0, w1, w2}
	size := l.planes * l.side * l.side
	x := [3]F{l.in[i], l.in[size+i], l.in[2*size+i]}
	var m, sp [4]F
	var a, c, e [3]F
	var f F
	var dIn [3]F
	var dMix [4]F
	for t := range l.steps {
		if l.goingBack {
			// Through sub-neuron 4's decay, reset factor and spike.
			r3 := m[3] * gradOf(sg, m[3]-th)
			for k := range 3 {
				c[k] = d*(c[k]*(1-sp[3])-r3*c[k]) + wk[k]*a[k]
				e[k] = d*(e[k]*(1-sp[3])-r3*e[k]) + m[k]
				a[k] = d*(a[k]*(1-sp[k])-m[k]*gradOf(sg, m[k]-th)*a[k]) + 1
			}
			f = d*(f*(1-sp[3])-r3*f) + 1
		}
		m4 := d*m[3]*(1-sp[3]) + w0*m[0] + w1*m[1] + w2*m[2] + b
		for k := range 3 {
			m[k] = d*m[k]*(1-sp[k]) + x[k]
		}
		m[3] = m4
		for k := range m {
			sp[k] = spikeOf(sg, m[k]-th)
		}
		if !l.goingBack {
			n := sp[0] + sp[1] + sp[2] + sp[3]
			if q == 0 {
				l.pooled[t][at] = n
			} else {
				l.pooled[t][at] += n
			}
			continue
		}
		ds := l.dPooled[t][at] * 0.25
		g3 := ds * gradOf(sg, m[3]-th)
		for k := range 3 {
			dIn[k] += ds*gradOf(sg, m[k]-th)*a[k] + g3*c[k]
			dMix[k] += g3 * e[k]
		}
		dMix[3] += g3 * f
	}
	if l.goingBack {
		for k := range 3 {
			l.dIn[k*size+i] = dIn[k]
		}
		for k := range dMix {
			mix[k] += float64(dMix[k])
		}
	}
}

// slifAsmBlocks bounds the blocks of a row the s-LIF2HH kernel's mixing
// sums are kept for (on the stack); longer rows take the Go code.
const slifAsmBlocks = 16

// pooledSLIFRowAsm runs the s-LIF2HH backward of a pooled row (map rows
// from in0 on) and adds the row's mixing gradient to mix: each unit's
// float32 sum, in block, row, column-parity and lane order, a unit of an
// overlapping last block counted once — the Go code's order.
func pooledSLIFRowAsm(k *pooledKernel, in0, half int, dp *[pooledMaxSteps]uintptr, mix *[4]float64) {
	var sums [slifAsmBlocks * 4 * 32]float32
	last := in0 + 2*k.size + 2*k.side // one past the row pair's last input, channel 2
	w := k.mix
	kernels.PooledSLIFBackward(k.d, k.th, k.lens, k.steps, &w, &k.in[in0:last][0], &k.dIn[in0:last][0],
		k.size, k.side, half, &dp[0], &sums[0])
	chain := 0
	for end := 0; end < half; end += 8 {
		x0 := min(end, half-8)
		for range 4 { // map rows 2y, 2y+1; even and odd columns
			s := sums[32*chain:][:32]
			for q := range 4 {
				for j, v := range s[8*q : 8*q+8] {
					if x0+j >= end {
						mix[q] += float64(v)
					}
				}
			}
			chain++
		}
	}
}
