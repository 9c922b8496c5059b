package nn

import (
	"math"
	"math/rand/v2"

	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

// SLIF2HH is the trainable s-LIF2HH layer (docs/model.md §4): each unit has
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
	dmNext      [4][]F   // each sub-neuron's membrane gradient of step t+1
	zero        []F
	static      slifStatic[F]
	step        slifStep[F]
	partial     [][4]float64 // per-step backward: mixing gradient of each block
	// Pool splits each step's units over goroutines; nil runs them here.
	Pool *tensor.Pool
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
	spkSteps := steps
	if isFast32(l.Surrogate) {
		// The fast path takes each step's spikes from its membranes, so
		// one buffer per sub-neuron holds the spikes of the step just run.
		spkSteps = 1
	}
	for k := range l.mem {
		l.mem[k], l.spk[k] = growSteps(l.mem[k], size, steps), growSteps(l.spk[k], size, spkSteps)
		l.dmNext[k] = grow(l.dmNext[k], size)
	}
	l.zero = grow(l.zero, size)
}

// Forward runs step t on the inputs of sub-neurons 1–3 and returns the
// spikes of all four (the layer's own slices).
func (l *SLIF2HH[F]) Forward(t int, in [3][]F) [4][]F {
	for _, x := range in {
		checkStep(t, l.steps, len(x), l.size)
	}
	l.step = slifStep[F]{l: l, t: t, in: in}
	l.Pool.Run(&l.step, l.size, stepGrain)
	l.step = slifStep[F]{}
	i := l.spkIndex(t)
	return [4][]F{l.spk[0][i][:l.size], l.spk[1][i][:l.size], l.spk[2][i][:l.size], l.spk[3][i][:l.size]}
}

// spkIndex is where the spikes of step t are kept.
func (l *SLIF2HH[F]) spkIndex(t int) int {
	if len(l.spk[0]) == 1 {
		return 0
	}
	return t
}

// Backward runs step t backwards: dSpk are the gradients of the four
// spike outputs (nil entries for none); the input gradients are added into
// dIn and the mixing gradient into Mix.Grad.
func (l *SLIF2HH[F]) Backward(t int, dIn [3][]F, dSpk [4][]F) {
	for _, x := range dIn {
		checkStep(t, l.steps, len(x), l.size)
	}
	if t == l.steps-1 {
		for k := range l.dmNext {
			clear(l.dmNext[k][:l.size])
		}
	}
	for k := range dSpk {
		if dSpk[k] == nil {
			dSpk[k] = l.zero
		}
	}
	blocks := (l.size + stepGrain - 1) / stepGrain
	if cap(l.partial) < blocks {
		l.partial = make([][4]float64, blocks)
	}
	l.partial = l.partial[:blocks]
	l.step = slifStep[F]{l: l, t: t, dIn: dIn, dSpk: dSpk, backward: true}
	l.Pool.Run(&l.step, l.size, stepGrain)
	l.step = slifStep[F]{}
	// The blocks' mixing gradients, summed in block order.
	var sum [4]float64
	for _, b := range l.partial {
		for q := range sum {
			sum[q] += b[q]
		}
	}
	for q := range sum {
		l.Mix.Grad[q] += F(sum[q])
	}
}

// slifStep is one step of the per-step forms over a range of units.
type slifStep[F Float] struct {
	l        *SLIF2HH[F]
	t        int
	in, dIn  [3][]F
	dSpk     [4][]F
	backward bool
}

func (s *slifStep[F]) Range(lo, hi int) {
	if s.backward {
		s.l.backwardRange(s.t, s.dIn, s.dSpk, lo, hi)
	} else {
		s.l.forwardRange(s.t, s.in, lo, hi)
	}
}

func (l *SLIF2HH[F]) forwardRange(t int, in [3][]F, lo, hi int) {
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	fast := isFast32(sg)
	if fast {
		lo += slifStepForward32(any(l).(*SLIF2HH[float32]), t, any(in).([3][]float32), lo, hi)
	}
	spike := func(x F) F { return spikeOf(sg, x-th) }
	w0, w1, w2, b := l.Mix.Value[0], l.Mix.Value[1], l.Mix.Value[2], l.Mix.Value[3]
	// prevSpike is the spike of the previous step: stored, or, on the fast
	// path, recomputed from the previous membrane.
	var prevMem, prevSpk [4][]F
	for k := range prevMem {
		prevMem[k], prevSpk[k] = l.zero[lo:hi], l.zero[lo:hi]
		if t > 0 {
			prevMem[k] = l.mem[k][t-1][lo:hi]
			if !fast {
				prevSpk[k] = l.spk[k][t-1][lo:hi]
			}
		}
	}
	prevSpike := func(k, i int) F {
		if fast {
			return spike(prevMem[k][i])
		}
		return prevSpk[k][i]
	}
	at := l.spkIndex(t)
	for k := 0; k < 3; k++ {
		mem, spk, pm, x := l.mem[k][t][lo:hi], l.spk[k][at][lo:hi], prevMem[k], in[k][lo:hi]
		for i := range mem {
			m := d*pm[i]*(1-prevSpike(k, i)) + x[i]
			mem[i] = m
			spk[i] = spike(m)
		}
	}
	mem, spk, pm := l.mem[3][t][lo:hi], l.spk[3][at][lo:hi], prevMem[3]
	p0, p1, p2 := prevMem[0], prevMem[1], prevMem[2]
	for i := range mem {
		m := d*pm[i]*(1-prevSpike(3, i)) + w0*p0[i] + w1*p1[i] + w2*p2[i] + b
		mem[i] = m
		spk[i] = spike(m)
	}
}

func (l *SLIF2HH[F]) backwardRange(t int, dIn [3][]F, dSpk [4][]F, lo, hi int) {
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	w := l.Mix.Value
	var dw0, dw1, dw2, db float64
	block := lo / stepGrain
	if isFast32(sg) {
		var part [4]float64
		lo += slifStepBackward32(any(l).(*SLIF2HH[float32]), t, any(dIn).([3][]float32), any(dSpk).([4][]float32), lo, hi, &part)
		dw0, dw1, dw2, db = part[0], part[1], part[2], part[3]
	}
	// Step t+1's membrane gradients n reach step t's membranes through the
	// decays, reset factors and sub-neuron 4's mixing (cMem), and step t's
	// spikes through the resets (cSpk); only n is carried between steps.
	// The mixing weights' gradient takes n₄·m_k of step t here.
	var n, m, sp, dm [4]F
	for i := lo; i < hi; i++ {
		for k := range n {
			n[k], m[k] = l.dmNext[k][i], l.mem[k][t][i]
			sp[k] = spikeOf(sg, m[k]-th)
			if !isFast32(sg) {
				sp[k] = l.spk[k][l.spkIndex(t)][i]
			}
		}
		if t < l.steps-1 {
			dw0 += float64(n[3] * m[0])
			dw1 += float64(n[3] * m[1])
			dw2 += float64(n[3] * m[2])
		}
		for k := range dm {
			cMem := n[k] * d * (1 - sp[k])
			if k < 3 {
				cMem += n[3] * w[k]
			}
			cSpk := -n[k] * d * m[k]
			dm[k] = cMem + (dSpk[k][i]+cSpk)*gradOf(sg, m[k]-th)
			l.dmNext[k][i] = dm[k]
		}
		dIn[0][i] += dm[0]
		dIn[1][i] += dm[1]
		dIn[2][i] += dm[2]
		db += float64(dm[3])
	}
	l.partial[block] = [4]float64{dw0, dw1, dw2, db}
}

// slifStepForward32 runs step t of the per-step s-LIF2HH for units
// [lo, hi) eight at a time in assembly, as forwardRange's fast path does
// lane by lane (previous spikes from the previous membranes); it returns
// how many units it did.
func slifStepForward32(l *SLIF2HH[float32], t int, in [3][]float32, lo, hi int) int {
	n := vectorPart(hi - lo)
	if n == 0 {
		return 0
	}
	var p [15]uintptr
	at := l.spkIndex(t)
	for k := range 4 {
		if t > 0 {
			p[k] = addr(l.mem[k][t-1][lo : lo+n])
		}
		if k < 3 {
			p[4+k] = addr(in[k][lo : lo+n])
		}
		p[7+k] = addr(l.mem[k][t][lo : lo+n])
		p[11+k] = addr(l.spk[k][at][lo : lo+n])
	}
	w := [4]float32(l.Mix.Value)
	kernels.SLIFStepForward(l.Decay, l.Theta, &w, &p, t == 0, n)
	return n
}

// slifStepBackward32 runs step t of the per-step s-LIF2HH backwards for
// units [lo, hi) eight at a time in assembly, as backwardRange does lane
// by lane; it returns how many units it did and adds their mixing gradient
// into part (each lane's float32 sum, in lane order).
func slifStepBackward32(l *SLIF2HH[float32], t int, dIn [3][]float32, dSpk [4][]float32, lo, hi int, part *[4]float64) int {
	n := vectorPart(hi - lo)
	if n == 0 {
		return 0
	}
	var p [15]uintptr
	for k := range 4 {
		p[k] = addr(l.mem[k][t][lo : lo+n])
		p[4+k] = addr(l.dmNext[k][lo : lo+n])
		p[8+k] = addr(dSpk[k][lo : lo+n])
		if k < 3 {
			p[12+k] = addr(dIn[k][lo : lo+n])
		}
	}
	w := [4]float32(l.Mix.Value)
	var acc [32]float32
	kernels.SLIFStepBackward(l.Decay, l.Theta, l.Surrogate.Lens, &w, &p, t < l.steps-1, n, &acc)
	for k := range 4 {
		for _, v := range acc[8*k : 8*k+8] {
			part[k] += float64(v)
		}
	}
	return n
}
