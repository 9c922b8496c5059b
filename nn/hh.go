package nn

import "math/rand/v2"

// HH constants of the trainable layer (shifted convention, DESIGN.md §7).
const (
	hhGNa, hhGK, hhGL = 120, 36, 0.3
	hhENa, hhEK, hhEL = 115, -12, 10.6
)

// HH is the paper's trainable Hodgkin–Huxley layer. Each neuron has state
// (v, n, m, h), all 0 at the start, and constant rate coefficients
// a_n, b_n, a_m, b_m, a_h, b_h (frozen, not trained). A step is
//
//	v_t = v_{t−1} + Dt·(in_t − I_Na − I_K − I_L),   I_Na = 120·m³h·(v−115), I_K = 36·n⁴·(v+12), I_L = 0.3·(v−10.6),
//	x_t = x_{t−1} + Dt·(a_x·(1−x_{t−1}) − b_x·x_{t−1}),   s_t = Spike(v_t − Theta),
//
// the currents taken at the old state, with no reset. Because the rates do
// not depend on v, the gates follow the same course for every input: the
// layer computes them once per sequence, and the unit is a leaky
// integrator whose leak 1 − Dt·g_t changes with time.
//
// With DetachCurrents (the paper's conv layers) the ionic currents carry no
// gradient: the membrane's gradient passes from step to step unchanged.
type HH[F Float] struct {
	Dt, Theta      F
	Surrogate      Surrogate[F]
	DetachCurrents bool
	// Coef holds the six rate coefficients (a_n, b_n, a_m, b_m, a_h, b_h)
	// for each of Width neurons; neuron i of a sample uses column i mod Width.
	Coef  [6][]F
	Width int

	size, steps, perSample int
	leak, drive            [][]F // [t][neuron of a sample]: 1 − Dt·g and Dt·Σ g·E
	v, spk                 [][]F // [t][size]
	cV, zero               []F
	sens                   []F // static form: d(spike count)/d(input)
	flatLeak, flatDrive    []F // leak and drive, row after row, for the static form
	static                 hhStatic[F]
}

// NewHH returns a layer of width coefficient columns drawn from U[0, 0.01),
// as the paper initialises them.
func NewHH[F Float](width int, dt, theta F, sg Surrogate[F], rng *rand.Rand) *HH[F] {
	l := &HH[F]{Dt: dt, Theta: theta, Surrogate: sg, Width: width}
	for k := range l.Coef {
		l.Coef[k] = make([]F, width)
		for i := range l.Coef[k] {
			l.Coef[k][i] = F(0.01 * rng.Float64())
		}
	}
	return l
}

// Reset prepares a sequence of steps over size = batch × perSample neurons
// and computes the gates' course for it.
func (l *HH[F]) Reset(size, perSample, steps int) {
	if perSample <= 0 || size%perSample != 0 {
		panic("nn: HH.Reset size is not a multiple of the neurons per sample")
	}
	l.size, l.steps, l.perSample = size, steps, perSample
	l.v, l.spk = growSteps(l.v, size, steps), growSteps(l.spk, size, steps)
	l.cV, l.zero = grow(l.cV, size), grow(l.zero, size)
	l.leak, l.drive = growSteps(l.leak, perSample, steps), growSteps(l.drive, perSample, steps)
	dt := float64(l.Dt)
	for i := 0; i < perSample; i++ {
		c := i % l.Width
		an, bn := float64(l.Coef[0][c]), float64(l.Coef[1][c])
		am, bm := float64(l.Coef[2][c]), float64(l.Coef[3][c])
		ah, bh := float64(l.Coef[4][c]), float64(l.Coef[5][c])
		var n, m, h float64
		for t := 0; t < steps; t++ {
			gNa := hhGNa * m * m * m * h
			gK := hhGK * n * n * n * n
			l.leak[t][i] = F(1 - dt*(gNa+gK+hhGL))
			l.drive[t][i] = F(dt * (gNa*hhENa + gK*hhEK + hhGL*hhEL))
			n += dt * (an*(1-n) - bn*n)
			m += dt * (am*(1-m) - bm*m)
			h += dt * (ah*(1-h) - bh*h)
		}
	}
}

// Forward runs step t on input in and returns the spikes (the layer's own
// slice).
func (l *HH[F]) Forward(t int, in []F) []F {
	checkStep(t, l.steps, len(in), l.size)
	prev := l.zero
	if t > 0 {
		prev = l.v[t-1]
	}
	v, spk := l.v[t][:l.size], l.spk[t][:l.size]
	leak, drive := l.leak[t], l.drive[t]
	dt, th, sg := l.Dt, l.Theta, l.Surrogate
	for b := 0; b < l.size; b += l.perSample {
		vb, pb, ib, sb := v[b:b+l.perSample], prev[b:b+l.perSample], in[b:b+l.perSample], spk[b:b+l.perSample]
		for i := range vb {
			x := pb[i]*leak[i] + dt*ib[i] + drive[i]
			vb[i] = x
			sb[i] = sg.Spike(x - th)
		}
	}
	return spk
}

// Backward runs step t backwards, adding the input gradient into dIn.
func (l *HH[F]) Backward(t int, dIn, dSpk []F) {
	checkStep(t, l.steps, len(dIn), l.size)
	if t == l.steps-1 {
		clear(l.cV[:l.size])
	}
	if dSpk == nil {
		dSpk = l.zero
	}
	v := l.v[t][:l.size]
	leak := l.leak[t]
	dt, th, sg := l.Dt, l.Theta, l.Surrogate
	for b := 0; b < l.size; b += l.perSample {
		vb, cb := v[b:b+l.perSample], l.cV[b:b+l.perSample]
		db, gb := dIn[b:b+l.perSample], dSpk[b:b+l.perSample]
		for i, x := range vb {
			dv := cb[i] + gb[i]*sg.Grad(x-th)
			db[i] += dt * dv
			if l.DetachCurrents {
				cb[i] = dv
			} else {
				cb[i] = dv * leak[i]
			}
		}
	}
}
