package nn

import (
	"math"
	"math/rand/v2"
)

// SLIF2HH is the trainable s-LIF2HH layer (DESIGN.md §7): each unit has
// four LIF sub-neurons with multiplicative reset. Sub-neurons 1–3 are
// driven by three separate inputs; sub-neuron 4 by a learnable mixing
// w·(mem₁, mem₂, mem₃)_{t−1} + b of the three membranes stored at the
// previous step (before the next step's reset), one (w, b) shared by all
// units:
//
//	mem_k,t = Decay·mem_k,t−1·(1 − s_k,t−1) + in_k,t          (k = 1, 2, 3)
//	mem_4,t = Decay·mem_4,t−1·(1 − s_4,t−1) + Σ_k w_k·mem_k,t−1 + b
//	s_k,t  = Spike(mem_k,t − Theta)                             (k = 1 … 4)
//
// All four spike trains are the layer's output.
type SLIF2HH[F Float] struct {
	Decay, Theta F
	Surrogate    Surrogate[F]
	Mix          *Param[F] // [w₁, w₂, w₃, b]

	size, steps int
	mem, spk    [4][][]F // [sub-neuron][t][size]
	cMem, cSpk  [4][]F
	zero        []F
	static      slifStatic[F]
}

// NewSLIF2HH returns a layer whose mixing is PyTorch's default
// initialisation of Linear(3→1) with the weights made non-negative (abs),
// as the paper does.
func NewSLIF2HH[F Float](name string, decay, theta F, sg Surrogate[F], rng *rand.Rand) *SLIF2HH[F] {
	l := &SLIF2HH[F]{Decay: decay, Theta: theta, Surrogate: sg, Mix: NewParam[F](name+".mix", 4)}
	l.Mix.Uniform(rng, 1/math.Sqrt(3))
	for k := 0; k < 3; k++ {
		l.Mix.Value[k] = F(math.Abs(float64(l.Mix.Value[k])))
	}
	return l
}

// Params returns the mixing parameters.
func (l *SLIF2HH[F]) Params() []*Param[F] { return []*Param[F]{l.Mix} }

// Reset prepares a sequence of steps over size units.
func (l *SLIF2HH[F]) Reset(size, steps int) {
	l.size, l.steps = size, steps
	for k := range l.mem {
		l.mem[k], l.spk[k] = growSteps(l.mem[k], size, steps), growSteps(l.spk[k], size, steps)
		l.cMem[k], l.cSpk[k] = grow(l.cMem[k], size), grow(l.cSpk[k], size)
	}
	l.zero = grow(l.zero, size)
}

// Forward runs step t on the inputs of sub-neurons 1–3 and returns the
// spikes of all four (the layer's own slices).
func (l *SLIF2HH[F]) Forward(t int, in [3][]F) [4][]F {
	for _, x := range in {
		checkStep(t, l.steps, len(x), l.size)
	}
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	w0, w1, w2, b := l.Mix.Value[0], l.Mix.Value[1], l.Mix.Value[2], l.Mix.Value[3]
	var prevMem, prevSpk [4][]F
	for k := range prevMem {
		prevMem[k], prevSpk[k] = l.zero, l.zero
		if t > 0 {
			prevMem[k], prevSpk[k] = l.mem[k][t-1], l.spk[k][t-1]
		}
	}
	for k := 0; k < 3; k++ {
		mem, spk, pm, ps, x := l.mem[k][t][:l.size], l.spk[k][t][:l.size], prevMem[k][:l.size], prevSpk[k][:l.size], in[k][:l.size]
		for i := range mem {
			m := d*pm[i]*(1-ps[i]) + x[i]
			mem[i] = m
			spk[i] = sg.Spike(m - th)
		}
	}
	mem, spk, pm, ps := l.mem[3][t][:l.size], l.spk[3][t][:l.size], prevMem[3][:l.size], prevSpk[3][:l.size]
	p0, p1, p2 := prevMem[0][:l.size], prevMem[1][:l.size], prevMem[2][:l.size]
	for i := range mem {
		m := d*pm[i]*(1-ps[i]) + w0*p0[i] + w1*p1[i] + w2*p2[i] + b
		mem[i] = m
		spk[i] = sg.Spike(m - th)
	}
	return [4][]F{l.spk[0][t][:l.size], l.spk[1][t][:l.size], l.spk[2][t][:l.size], spk}
}

// Backward runs step t backwards: dSpk are the gradients of the four
// spike outputs (nil entries for none); the input gradients are added into
// dIn and the mixing gradient into Mix.Grad.
func (l *SLIF2HH[F]) Backward(t int, dIn [3][]F, dSpk [4][]F) {
	for _, x := range dIn {
		checkStep(t, l.steps, len(x), l.size)
	}
	n := l.size
	if t == l.steps-1 {
		for k := range l.cMem {
			clear(l.cMem[k][:n])
			clear(l.cSpk[k][:n])
		}
	}
	for k := range dSpk {
		if dSpk[k] == nil {
			dSpk[k] = l.zero
		}
	}
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	w := l.Mix.Value
	var dw0, dw1, dw2, db float64
	m0, m1, m2, m3 := l.mem[0][t][:n], l.mem[1][t][:n], l.mem[2][t][:n], l.mem[3][t][:n]
	for i := 0; i < n; i++ {
		dm0 := l.cMem[0][i] + (dSpk[0][i]+l.cSpk[0][i])*sg.Grad(m0[i]-th)
		dm1 := l.cMem[1][i] + (dSpk[1][i]+l.cSpk[1][i])*sg.Grad(m1[i]-th)
		dm2 := l.cMem[2][i] + (dSpk[2][i]+l.cSpk[2][i])*sg.Grad(m2[i]-th)
		dm3 := l.cMem[3][i] + (dSpk[3][i]+l.cSpk[3][i])*sg.Grad(m3[i]-th)
		dIn[0][i] += dm0
		dIn[1][i] += dm1
		dIn[2][i] += dm2
		db += float64(dm3)
		if t == 0 {
			continue
		}
		p0, p1, p2, p3 := l.mem[0][t-1][i], l.mem[1][t-1][i], l.mem[2][t-1][i], l.mem[3][t-1][i]
		dw0 += float64(dm3 * p0)
		dw1 += float64(dm3 * p1)
		dw2 += float64(dm3 * p2)
		l.cMem[0][i] = dm0*d*(1-l.spk[0][t-1][i]) + dm3*w[0]
		l.cMem[1][i] = dm1*d*(1-l.spk[1][t-1][i]) + dm3*w[1]
		l.cMem[2][i] = dm2*d*(1-l.spk[2][t-1][i]) + dm3*w[2]
		l.cMem[3][i] = dm3 * d * (1 - l.spk[3][t-1][i])
		l.cSpk[0][i] = -dm0 * d * p0
		l.cSpk[1][i] = -dm1 * d * p1
		l.cSpk[2][i] = -dm2 * d * p2
		l.cSpk[3][i] = -dm3 * d * p3
	}
	g := l.Mix.Grad
	g[0] += F(dw0)
	g[1] += F(dw1)
	g[2] += F(dw2)
	g[3] += F(db)
}
