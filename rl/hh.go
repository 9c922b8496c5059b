package rl

import (
	"math"
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
)

func xavierBound(in, out int) float64 { return math.Sqrt(6 / float64(in+out)) }

// HH constants of the actor's layer (shifted convention, docs/model.md §4).
const (
	hhGNa, hhGK, hhGL = 120, 36, 0.3
	hhENa, hhEK, hhEL = 115, -12, 10.6
)

// hhLayer is the HH actor's input layer: the study's trainable HH unit
// (zero initial state, no reset, forward Euler, frozen rate coefficients)
// with a frozen time step per neuron drawn from U[0, 0.2). The gates do
// not depend on the voltage, so each neuron's leak 1 − dt·g and drive
// dt·Σ g·E follow a fixed course, computed once per sequence:
//
//	v_t = v_{t−1}·leak_t + dt·in_t + drive_t,   s_t = Spike(v_t − θ).
//
// The currents carry their gradient (through the leak).
type hhLayer[F nn.Float] struct {
	theta       F
	sg          nn.Surrogate[F]
	coef        [6][]F // a_n, b_n, a_m, b_m, a_h, b_h per neuron
	dt          []F
	h, size     int
	steps       int
	leak, drive [][]F // [t][neuron]
	v, spk      [][]F // [t][size]
	cV          []F
	zero        []F // the state before step 0, one sample's row
}

func newHHLayer[F nn.Float](h int, theta F, sg nn.Surrogate[F], rates float64, rng *rand.Rand) *hhLayer[F] {
	l := &hhLayer[F]{theta: theta, sg: sg, h: h, dt: make([]F, h)}
	for k := range l.coef {
		l.coef[k] = make([]F, h)
		for i := range l.coef[k] {
			l.coef[k][i] = F(rates * rng.Float64())
		}
	}
	for i := range l.dt {
		l.dt[i] = F(0.2 * rng.Float64())
	}
	return l
}

func (l *hhLayer[F]) frozen() [][]F { return append(append([][]F{}, l.coef[:]...), l.dt) }

func growRows[F nn.Float](s [][]F, rows, n int) [][]F {
	for len(s) < rows {
		s = append(s, nil)
	}
	for i := range s[:rows] {
		s[i] = grown(s[i], n)
	}
	return s[:rows]
}

// reset prepares steps steps for batch samples and computes the gates' course.
func (l *hhLayer[F]) reset(batch, steps int) {
	l.size, l.steps = batch*l.h, steps
	l.leak, l.drive = growRows(l.leak, steps, l.h), growRows(l.drive, steps, l.h)
	l.v, l.spk = growRows(l.v, steps, l.size), growRows(l.spk, steps, l.size)
	l.cV = grown(l.cV, l.size)
	l.zero = grown(l.zero, l.h)
	clear(l.zero)
	for i := 0; i < l.h; i++ {
		dt := float64(l.dt[i])
		an, bn := float64(l.coef[0][i]), float64(l.coef[1][i])
		am, bm := float64(l.coef[2][i]), float64(l.coef[3][i])
		ah, bh := float64(l.coef[4][i]), float64(l.coef[5][i])
		var n, m, h float64
		for t := 0; t < steps; t++ {
			gNa, gK := hhGNa*m*m*m*h, hhGK*n*n*n*n
			l.leak[t][i] = F(1 - dt*(gNa+gK+hhGL))
			l.drive[t][i] = F(dt * (gNa*hhENa + gK*hhEK + hhGL*hhEL))
			n += dt * (an*(1-n) - bn*n)
			m += dt * (am*(1-m) - bm*m)
			h += dt * (ah*(1-h) - bh*h)
		}
	}
}

// forward runs step t on in [size] and returns the spikes (the layer's own).
func (l *hhLayer[F]) forward(t int, in []F) []F {
	h, th := l.h, l.theta
	v, spk, in := l.v[t][:l.size], l.spk[t][:l.size], in[:l.size]
	leak, drive, dt := l.leak[t][:h], l.drive[t][:h], l.dt[:h]
	rect32 := isRect32(l.sg)
	for b := 0; b < l.size; b += h {
		vb, sb, ib := v[b:b+h], spk[b:b+h], in[b:b+h]
		pb := l.zero[:h]
		if t > 0 {
			pb = l.v[t-1][b : b+h]
		}
		for j := range vb {
			x := pb[j]*leak[j] + dt[j]*ib[j] + drive[j]
			vb[j] = x
			if rect32 {
				sb[j] = F(rectStep32(float32(x - th)))
			} else {
				sb[j] = l.sg.Spike(x - th)
			}
		}
	}
	return spk
}

// backward runs step t backwards (t = steps−1 first), adding the input
// gradient into dIn.
func (l *hhLayer[F]) backward(t int, dIn, dSpk []F) {
	if t == l.steps-1 {
		clear(l.cV)
	}
	h, th := l.h, l.theta
	v, cV, dIn, dSpk := l.v[t][:l.size], l.cV[:l.size], dIn[:l.size], dSpk[:l.size]
	leak, dt := l.leak[t][:h], l.dt[:h]
	rect32, lens := isRect32(l.sg), float32(l.sg.Lens)
	for b := 0; b < l.size; b += h {
		vb, cb, db, gb := v[b:b+h], cV[b:b+h], dIn[b:b+h], dSpk[b:b+h]
		for j, x := range vb {
			var g F
			if rect32 {
				g = F(rectWindow32(float32(x-th), lens))
			} else {
				g = l.sg.Grad(x - th)
			}
			dv := cb[j] + gb[j]*g
			db[j] += dt[j] * dv
			cb[j] = dv * leak[j]
		}
	}
}

// isRect32 tells whether F is float32 and sg rectangular: the case whose
// spikes and windows are computed without branches (rectStep32,
// rectWindow32), to the bits of sg.Spike and sg.Grad.
func isRect32[F nn.Float](sg nn.Surrogate[F]) bool {
	_, ok := any(sg.Lens).(float32)
	return ok && sg.Smooth == 0
}

// rectStep32 is 1 if y > 0, else +0.
func rectStep32(y float32) float32 { return math.Float32frombits(0x3f800000 & keepMask(y > 0)) }

// rectWindow32 is 1 if −lens < y < lens, else +0.
func rectWindow32(y, lens float32) float32 {
	return math.Float32frombits(0x3f800000 & keepMask(y < lens) & keepMask(y > -lens))
}
