package nn

import (
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

// LIF is a layer of leaky integrate-and-fire neurons with multiplicative
// reset (docs/model.md §4), the float32 training form of neuron.LIF:
//
//	mem_t = Decay·mem_{t−1}·(1 − s_{t−1}) + in_t,   s_t = Spike(mem_t − Theta),
//
// from mem_{−1} = s_{−1} = 0. The gradient flows through the reset factor
// (1 − s_{t−1}) as well as through the decay.
type LIF[F Float] struct {
	Decay, Theta F
	Surrogate    Surrogate[F]
	// Pool splits each step's neurons over goroutines; nil runs them here.
	Pool *tensor.Pool

	size, steps int
	mem, spk    [][]F // [t][size]; the fast kernels keep only the last step's spikes
	dmNext      []F   // the membrane gradient of step t+1, carried back to step t
	zero        []F
	sens        []F // static form: d(spike count)/d(input) per neuron
	static      lifStatic[F]
	step        lifStep[F]
}

// lifStep is one step of the per-step forms, kept in the layer so that
// handing it to the pool allocates nothing.
type lifStep[F Float] struct {
	l            *LIF[F]
	t            int
	in, dIn, dSp []F
	backward     bool
}

func (s *lifStep[F]) Range(lo, hi int) {
	if s.backward {
		s.l.backwardRange(s.t, s.dIn, s.dSp, lo, hi)
	} else {
		s.l.forwardRange(s.t, s.in, lo, hi)
	}
}

// Reset prepares the layer for a sequence of steps over size neurons
// (batch × neurons). Buffers grow once and are reused.
func (l *LIF[F]) Reset(size, steps int) {
	l.size, l.steps = size, steps
	l.mem = growSteps(l.mem, size, steps)
	if isFast32(l.Surrogate) {
		// The fast kernels take each step's spikes from its membrane, so
		// one buffer holds the spikes of the step just run.
		l.spk = growSteps(l.spk, size, 1)
	} else {
		l.spk = growSteps(l.spk, size, steps)
	}
	l.dmNext, l.zero = grow(l.dmNext, size), grow(l.zero, size)
}

// Forward runs step t on input in and returns the spikes (the layer's own
// slice, kept for Backward).
func (l *LIF[F]) Forward(t int, in []F) []F {
	checkStep(t, l.steps, len(in), l.size)
	l.step = lifStep[F]{l: l, t: t, in: in}
	l.Pool.Run(&l.step, l.size, stepGrain)
	l.step = lifStep[F]{}
	return l.spk[l.spkIndex(t)][:l.size]
}

// spkIndex is where the spikes of step t are kept.
func (l *LIF[F]) spkIndex(t int) int {
	if len(l.spk) == 1 {
		return 0
	}
	return t
}

func (l *LIF[F]) forwardRange(t int, in []F, lo, hi int) {
	mem, spk := l.mem[t][lo:hi], l.spk[l.spkIndex(t)][lo:hi]
	prevMem := l.zero[lo:hi]
	if t > 0 {
		prevMem = l.mem[t-1][lo:hi]
	}
	in = in[lo:hi]
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	i := 0
	if isFast32(sg) {
		// The kernel takes the leading multiple of eight; the loop below,
		// with the previous spikes from the previous membranes, the rest.
		i = vectorPart(len(mem))
		if i > 0 {
			kernels.LIFStep(float32(d), float32(th), any(&prevMem[0]).(*float32), any(&in[0]).(*float32),
				any(&mem[0]).(*float32), any(&spk[0]).(*float32), i)
		}
		for ; i < len(mem); i++ {
			pm := prevMem[i]
			m := d*pm*(1-spikeOf(sg, pm-th)) + in[i]
			mem[i] = m
			spk[i] = spikeOf(sg, m-th)
		}
		return
	}
	prevSpk := l.zero[lo:hi]
	if t > 0 {
		prevSpk = l.spk[t-1][lo:hi]
	}
	for i := range mem {
		m := d*prevMem[i]*(1-prevSpk[i]) + in[i]
		mem[i] = m
		spk[i] = sg.Spike(m - th)
	}
}

// Backward runs step t backwards: dSpk is the loss gradient of the step's
// spikes from above (nil for none); the gradient of its input is added
// into dIn.
func (l *LIF[F]) Backward(t int, dIn, dSpk []F) {
	checkStep(t, l.steps, len(dIn), l.size)
	if t == l.steps-1 {
		clear(l.dmNext[:l.size])
	}
	if dSpk == nil {
		dSpk = l.zero
	}
	l.step = lifStep[F]{l: l, t: t, dIn: dIn, dSp: dSpk, backward: true}
	l.Pool.Run(&l.step, l.size, stepGrain)
	l.step = lifStep[F]{}
}

func (l *LIF[F]) backwardRange(t int, dIn, dSpk []F, lo, hi int) {
	mem := l.mem[t][lo:hi]
	next, dSpk, dIn := l.dmNext[lo:hi], dSpk[lo:hi], dIn[lo:hi]
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	i := 0
	var spk []F
	if isFast32(sg) {
		// The kernel takes the leading multiple of eight; the loop below,
		// with the spikes from the membranes, the rest.
		i = vectorPart(len(mem))
		if i > 0 {
			kernels.LIFBack(float32(d), float32(th), float32(sg.Lens), any(&mem[0]).(*float32),
				any(&next[0]).(*float32), any(&dSpk[0]).(*float32), any(&dIn[0]).(*float32), i)
		}
	} else {
		spk = l.spk[t][lo:hi]
	}
	// Step t+1's membrane gradient reaches step t's membrane through the
	// decay and reset factor (cMem) and step t's spike through the reset
	// (cSpk); only it is carried, so a step reads one buffer of the past.
	for ; i < len(mem); i++ {
		m := mem[i]
		var s F
		if spk != nil {
			s = spk[i]
		} else {
			s = spikeOf(sg, m-th)
		}
		cMem := next[i] * d * (1 - s)
		cSpk := -next[i] * d * m
		dm := cMem + (dSpk[i]+cSpk)*gradOf(sg, m-th)
		dIn[i] += dm
		next[i] = dm
	}
}
