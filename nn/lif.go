package nn

// LIF is a layer of leaky integrate-and-fire neurons with multiplicative
// reset (DESIGN.md §7), the float32 training form of neuron.LIF:
//
//	mem_t = Decay·mem_{t−1}·(1 − s_{t−1}) + in_t,   s_t = Spike(mem_t − Theta),
//
// from mem_{−1} = s_{−1} = 0. The gradient flows through the reset factor
// (1 − s_{t−1}) as well as through the decay.
type LIF[F Float] struct {
	Decay, Theta F
	Surrogate    Surrogate[F]

	size, steps int
	mem, spk    [][]F // [t][size]
	cMem, cSpk  []F   // gradient carried from step t+1 to the membrane and spikes of step t
	zero        []F
	sens        []F // static form: d(spike count)/d(input) per neuron
	static      lifStatic[F]
}

// Reset prepares the layer for a sequence of steps over size neurons
// (batch × neurons). Buffers grow once and are reused.
func (l *LIF[F]) Reset(size, steps int) {
	l.size, l.steps = size, steps
	l.mem, l.spk = growSteps(l.mem, size, steps), growSteps(l.spk, size, steps)
	l.cMem, l.cSpk, l.zero = grow(l.cMem, size), grow(l.cSpk, size), grow(l.zero, size)
}

// Forward runs step t on input in and returns the spikes (the layer's own
// slice, kept for Backward).
func (l *LIF[F]) Forward(t int, in []F) []F {
	checkStep(t, l.steps, len(in), l.size)
	prevMem, prevSpk := l.zero, l.zero
	if t > 0 {
		prevMem, prevSpk = l.mem[t-1], l.spk[t-1]
	}
	mem, spk := l.mem[t][:l.size], l.spk[t][:l.size]
	prevMem, prevSpk, in = prevMem[:len(mem)], prevSpk[:len(mem)], in[:len(mem)]
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	for i := range mem {
		m := d*prevMem[i]*(1-prevSpk[i]) + in[i]
		mem[i] = m
		spk[i] = sg.Spike(m - th)
	}
	return spk
}

// Spikes returns the spikes of step t recorded by Forward.
func (l *LIF[F]) Spikes(t int) []F { return l.spk[t][:l.size] }

// Backward runs step t backwards: dSpk is the loss gradient of the step's
// spikes from above (nil for none); the gradient of its input is added
// into dIn.
func (l *LIF[F]) Backward(t int, dIn, dSpk []F) {
	checkStep(t, l.steps, len(dIn), l.size)
	if t == l.steps-1 {
		clear(l.cMem[:l.size])
		clear(l.cSpk[:l.size])
	}
	if dSpk == nil {
		dSpk = l.zero
	}
	mem := l.mem[t][:l.size]
	cMem, cSpk, dSpk, dIn := l.cMem[:len(mem)], l.cSpk[:len(mem)], dSpk[:len(mem)], dIn[:len(mem)]
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	if t == 0 {
		for i, m := range mem {
			dIn[i] += cMem[i] + (dSpk[i]+cSpk[i])*sg.Grad(m-th)
		}
		return
	}
	prevMem, prevSpk := l.mem[t-1][:len(mem)], l.spk[t-1][:len(mem)]
	for i, m := range mem {
		dm := cMem[i] + (dSpk[i]+cSpk[i])*sg.Grad(m-th)
		dIn[i] += dm
		cMem[i] = dm * d * (1 - prevSpk[i])
		cSpk[i] = -dm * d * prevMem[i]
	}
}

func checkStep(t, steps, n, size int) {
	if t < 0 || t >= steps {
		panic("nn: step outside the sequence set by Reset")
	}
	if n < size {
		panic("nn: buffer shorter than the layer")
	}
}

// grow returns s with length n, reallocated only when too small.
func grow[F Float](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}

func growSteps[F Float](s [][]F, size, steps int) [][]F {
	for len(s) < steps {
		s = append(s, nil)
	}
	for t := range s {
		s[t] = grow(s[t], size)
	}
	return s[:steps]
}
