package nn

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

// HH constants of the trainable layer (shifted convention, docs/model.md §4).
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
	// IonicHook, when set, replaces the ionic term of every update of the
	// generic code: step t of neuron i becomes v_t = v_{t−1} + Dt·in_t +
	// IonicHook(t, i, c), where c = v_{t−1}·(leak_t − 1) + drive_t is the
	// term the layer computed and i the neuron's index in the layer's input
	// (the maps' index for nn.Pooled). A finite-difference check of
	// DetachCurrents records c in a base pass and returns the recorded
	// values in the perturbed ones, holding the currents fixed. The float32
	// kernels ignore it.
	IonicHook func(t, i int, c F) F

	size, steps, perSample int
	leak, drive            [][]F // [t][neuron of a sample]: 1 − Dt·g and Dt·Σ g·E
	v, spk                 [][]F // [t][size]
	cV, zero               []F
	sens                   []F // static form: d(spike count)/d(input)
	flatLeak, flatDrive    []F // leak and drive, row after row, for the static form
	static                 hhStatic[F]
	step                   hhStep[F]
	// Pool splits each step's neurons over goroutines; nil runs them here.
	Pool *tensor.Pool
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
	l.gates(perSample, steps)
}

// gates computes leak and drive of every step for perSample neurons.
func (l *HH[F]) gates(perSample, steps int) {
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
	l.step = hhStep[F]{l: l, t: t, in: in}
	l.Pool.Run(&l.step, l.size/l.perSample, max(1, stepGrain/l.perSample))
	l.step = hhStep[F]{}
	return l.spk[t][:l.size]
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
	l.step = hhStep[F]{l: l, t: t, dIn: dIn, dSp: dSpk, backward: true}
	l.Pool.Run(&l.step, l.size/l.perSample, max(1, stepGrain/l.perSample))
	l.step = hhStep[F]{}
}

// hhStep is one step of the per-step forms over rows of perSample neurons.
type hhStep[F Float] struct {
	l            *HH[F]
	t            int
	in, dIn, dSp []F
	backward     bool
}

func (s *hhStep[F]) Range(lo, hi int) {
	l, t, ps := s.l, s.t, s.l.perSample
	dt, th, sg := l.Dt, l.Theta, l.Surrogate
	// The float32 kernels take each row's leading multiple of eight neurons
	// (rectangular surrogate, no ionic hook); the loops below the rest.
	vec := 0
	if isFast32(sg) && l.IonicHook == nil {
		vec = vectorPart(ps)
	}
	leak := l.leak[t][:ps]
	if s.backward {
		for b := lo * ps; b < hi*ps; b += ps {
			vb, cb := l.v[t][b:b+ps], l.cV[b:b+ps]
			db, gb := s.dIn[b:b+ps], s.dSp[b:b+ps]
			if vec > 0 {
				keep := &vb[0] // never read when detached
				if !l.DetachCurrents {
					keep = &leak[0]
				}
				kernels.HHRowBackward(float32(dt), float32(th), float32(sg.Lens), !l.DetachCurrents,
					any(keep).(*float32), any(&vb[0]).(*float32), any(&cb[0]).(*float32),
					any(&db[0]).(*float32), any(&gb[0]).(*float32), vec)
			}
			for i := vec; i < ps; i++ {
				dv := cb[i] + gb[i]*gradOf(sg, vb[i]-th)
				db[i] += dt * dv
				if l.DetachCurrents {
					cb[i] = dv
				} else {
					cb[i] = dv * leak[i]
				}
			}
		}
		return
	}
	prev := l.zero
	if t > 0 {
		prev = l.v[t-1]
	}
	drive := l.drive[t][:ps]
	for b := lo * ps; b < hi*ps; b += ps {
		vb, pb, ib, sb := l.v[t][b:b+ps], prev[b:b+ps], s.in[b:b+ps], l.spk[t][b:b+ps]
		if vec > 0 {
			kernels.HHRowForward(float32(dt), float32(th), any(&leak[0]).(*float32), any(&drive[0]).(*float32),
				any(&pb[0]).(*float32), any(&ib[0]).(*float32), any(&vb[0]).(*float32), any(&sb[0]).(*float32), vec)
		}
		for i := vec; i < ps; i++ {
			x := pb[i]*leak[i] + dt*ib[i] + drive[i]
			if l.IonicHook != nil {
				x = pb[i] + dt*ib[i] + l.IonicHook(t, b+i, pb[i]*(leak[i]-1)+drive[i])
			}
			vb[i] = x
			sb[i] = spikeOf(sg, x-th)
		}
	}
}
