package nn

import (
	"math"

	"github.com/hhnet/hhnet/internal/f32"
	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/tensor"
)

// Membrane constants of HHv: the shifted convention of package neuron's
// simulations (rest ≈ 0 mV), C = 1 µF/cm².
const (
	hhvGNa, hhvGK, hhvGL = 120, 36, 0.3
	hhvENa, hhvEK, hhvEL = 115, -12, 10.613
)

// HHv defaults (docs/model.md §8).
const (
	// HHvThreshold (mV) is 25 mV above rest, the shifted convention's −40 mV.
	HHvThreshold = 25
	// HHvSubstep is the substep length (ms) and HHvSubsteps the substeps
	// per network step of 1 ms.
	HHvSubstep  = 0.05
	HHvSubsteps = 20
	// HHvLens is the surrogate's half-width (mV) around the threshold.
	HHvLens = 20
)

// HHv is a layer of Hodgkin–Huxley neurons with the real voltage-dependent
// gating: per neuron the state (V, m, h, n) of package neuron's shifted
// convention, started at the steady state of rest. Each network step
// integrates Substeps substeps of H ms with the input current I =
// Gain·in held constant: the gates by the exponential (Rush–Larsen) step
// x ← x∞ + (x − x∞)·e^{−H(α+β)}, and V by the exponential Euler step of
// its equation with the gates of the substep's start,
//
//	V ← V∞ + (V − V∞)·e^{−H·g},  g = 120m³h + 36n⁴ + 0.3,  V∞ = (120m³h·115 − 36n⁴·12 + 0.3·10.613 + I)/g,
//
// which is exact for frozen gates, so it stays stable at substeps where
// forward Euler does not. The neuron spikes in a step when V crosses Theta
// upward during it (at most once per step; a smooth surrogate spikes by
// the step's maximum V); no reset, the dynamics make their own. Backward
// uses Surrogate.Grad at the step's maximum V, times that V's exact
// derivative through every substep and all four state variables.
//
// Two forms: ForwardStatic/BackwardStatic for an input that is the same at
// every step (the fc models and the information bottleneck: the
// derivative by the input is carried forward with the state, nothing is
// stored), and Forward/Backward per step (the conv models' layers), which
// keep the state at the start of every step and back-propagate each step
// by recomputing its substeps from there (memory 4·T values per neuron).
//
// In float32 the exponentials are package f32's, defined operation by
// operation; in float64 they are math's.
type HHv[F Float] struct {
	Substeps  int
	H         F // substep, ms
	Theta     F
	Surrogate Surrogate[F]
	Gain      *Param[F] // one value: the input current per unit of input
	// Pool splits the neurons over goroutines; nil runs them here.
	Pool *tensor.Pool

	rest        hhvState[F]
	small       F // |x| below which α_n and α_m use their series
	size, steps int
	static      hhvStatic[F]
	step        hhvStepWork[F]
	in          []F   // static form: the input
	sens        []F   // static form: d(spike count)/dI
	ck          [][]F // [t]: the state V|m|h|n at the start of step t, 4·size
	state, adj  []F   // the current state; the adjoint of the state at the end of the step going back
	spk         [][]F // [t][size]
	gainPart    []float64
}

// NewHHv returns a layer with the default substep, threshold and
// surrogate half-width and the given initial gain.
func NewHHv[F Float](name string, gain float64, sg Surrogate[F]) *HHv[F] {
	l := &HHv[F]{Substeps: HHvSubsteps, H: HHvSubstep, Theta: HHvThreshold, Surrogate: sg,
		Gain: NewParam[F](name+".gain", 1)}
	l.Gain.Value[0] = F(gain)
	return l
}

// Params returns the gain.
func (l *HHv[F]) Params() []*Param[F] { return []*Param[F]{l.Gain} }

type hhvState[F Float] struct{ v, m, h, n F }

// hhvJac is a substep's derivatives: of the new V by the old V, I, m, h,
// n, and of each new gate by the old V and itself (a gate depends on no
// other gate).
type hhvJac[F Float] struct {
	vv, vi, vm, vh, vn F
	mv, mm, hv, hh     F
	nv, nn             F
}

func (l *HHv[F]) prepare() {
	if l.rest.m == 0 {
		p := neuron.HHShifted()
		v, m, n, h := p.Rest()
		l.rest = hhvState[F]{v: F(v), m: F(m), h: F(h), n: F(n)}
	}
	var z F
	if _, is32 := any(z).(float32); is32 {
		// 1 − e^{−x/10} keeps about 24 − log₂(10/|x|) bits; the series'
		// first omitted term is (x/10)⁶/30240.
		l.small = 0.5
	} else {
		l.small = 1e-6
	}
}

// expF is e^x: package f32's in float32, math's in float64.
func expF[F Float](x F) F {
	if x32, ok := any(x).(float32); ok {
		return F(f32.Exp(x32))
	}
	return F(math.Exp(float64(x)))
}

// linRate returns s·x/(1 − e^{−x/10}), the form of α_n and α_m, and its
// derivative; for |x| < small the series 10s(1 + y/2 + y²/12 − y⁴/720),
// y = x/10, so that the 0/0 point gives its limit 10s.
func linRate[F Float](s, x, small F) (f, df F) {
	if x < small && x > -small {
		y := x / 10
		y2 := y * y
		return 10 * s * (1 + y/2 + y2/12 - y2*y2/720), s * (0.5 + y/6 - y2*y/180)
	}
	e := expF(-x / 10)
	d := 1 - e
	return s * x / d, s * (d - x*e/10) / (d * d)
}

// gate is the exponential step of a gate x with rates a, b and their
// derivatives da, db by V: the new value and its derivatives by x and V.
func gate[F Float](x, a, b, da, db, hs F) (nx, dx, dv F) {
	k := a + b
	inf := a / k
	e := expF(-hs * k)
	nx = inf + (x-inf)*e
	dk := da + db
	dinf := (da - inf*dk) / k
	return nx, e, dinf*(1-e) - (x-inf)*e*hs*dk
}

// substep advances s by one substep of hs ms with input current i and,
// when j is not nil, fills it with the substep's derivatives.
func substep[F Float](s hhvState[F], i, hs, small F, j *hhvJac[F]) hhvState[F] {
	v := s.v
	an, dan := linRate(0.01, v-10, small)
	am, dam := linRate(0.1, v-25, small)
	ah := 0.07 * expF(-v/20)
	bn := 0.125 * expF(-v/80)
	bm := 4 * expF(-v/18)
	bh := 1 / (1 + expF(-(v-30)/10))
	var out hhvState[F]
	var dmm, dmv, dhh, dhv, dnn, dnv F
	out.m, dmm, dmv = gate(s.m, am, bm, dam, -bm/18, hs)
	out.h, dhh, dhv = gate(s.h, ah, bh, -ah/20, bh*(1-bh)/10, hs)
	out.n, dnn, dnv = gate(s.n, an, bn, dan, -bn/80, hs)

	m3 := s.m * s.m * s.m
	n3 := s.n * s.n * s.n
	gna := hhvGNa * m3 * s.h
	gk := hhvGK * n3 * s.n
	g := gna + gk + hhvGL
	vinf := (gna*hhvENa + gk*hhvEK + hhvGL*hhvEL + i) / g
	ev := expF(-hs * g)
	out.v = vinf + (v-vinf)*ev
	if j != nil {
		p := (1 - ev) / g
		q := -hs * (v - vinf) * ev
		dA := hhvGNa * ((hhvENa-vinf)*p + q)
		dB := hhvGK * ((hhvEK-vinf)*p + q)
		*j = hhvJac[F]{vv: ev, vi: p, vm: dA * 3 * s.m * s.m * s.h, vh: dA * m3, vn: dB * 4 * n3,
			mv: dmv, mm: dmm, hv: dhv, hh: dhh, nv: dnv, nn: dnn}
	}
	return out
}

// ForwardStatic runs steps steps (Reset) of size neurons on the constant
// input in and overwrites count with their spike counts; it keeps the
// counts' derivatives by the input for BackwardStatic.
func (l *HHv[F]) ForwardStatic(count, in []F) {
	checkStatic(l.steps, min(len(in), len(count)), l.size)
	l.prepare()
	l.in = in[:l.size]
	l.sens = grow(l.sens, l.size)
	l.static = hhvStatic[F]{l: l, in: in, count: count}
	l.Pool.Run(&l.static, l.size, 64)
	l.static = hhvStatic[F]{}
}

// Reset prepares steps network steps of size neurons.
func (l *HHv[F]) Reset(size, steps int) {
	if l.Substeps < 1 || l.Substeps > hhvMaxSubsteps || !(l.H > 0) {
		panic("nn: HHv needs 1 to 256 substeps of a positive length")
	}
	l.size, l.steps = size, steps
}

type hhvStatic[F Float] struct {
	l         *HHv[F]
	in, count []F
}

func (w *hhvStatic[F]) Range(lo, hi int) {
	l := w.l
	gain := l.Gain.Value[0]
	for j := lo; j < hi; j++ {
		w.count[j], l.sens[j] = l.courseStatic(gain * w.in[j])
	}
}

// courseStatic runs one neuron through every step on current i and returns
// its spike count and the count's derivative by i, carrying the state's
// derivatives by i (forward mode).
func (l *HHv[F]) courseStatic(i F) (count, sens F) {
	s := l.rest
	var tv, tm, th, tn F // d(state)/di
	var jac hhvJac[F]
	for t := 0; t < l.steps; t++ {
		maxV, tMax := F(math.Inf(-1)), F(0)
		crossed := false
		for range l.Substeps {
			ns := substep(s, i, l.H, l.small, &jac)
			tv, tm, th, tn = jac.vv*tv+jac.vm*tm+jac.vh*th+jac.vn*tn+jac.vi,
				jac.mv*tv+jac.mm*tm, jac.hv*tv+jac.hh*th, jac.nv*tv+jac.nn*tn
			if s.v <= l.Theta && ns.v > l.Theta {
				crossed = true
			}
			if ns.v > maxV {
				maxV, tMax = ns.v, tv
			}
			s = ns
		}
		count += l.spikeOf(crossed, maxV)
		sens += l.Surrogate.Grad(maxV-l.Theta) * tMax
	}
	return count, sens
}

// spikeOf is a step's spike: the upward crossing, or with a smooth
// surrogate the sigmoid of the step's maximum V.
func (l *HHv[F]) spikeOf(crossed bool, maxV F) F {
	if l.Surrogate.Smooth > 0 {
		return l.Surrogate.Spike(maxV - l.Theta)
	}
	if crossed {
		return 1
	}
	return 0
}

// BackwardStatic overwrites dIn with the input's gradient given dCount,
// the spike counts' gradient, and adds the gain's into Gain.Grad.
func (l *HHv[F]) BackwardStatic(dIn, dCount []F) {
	gain := l.Gain.Value[0]
	var dGain float64
	for j, s := range l.sens[:l.size] {
		di := dCount[j] * s
		dIn[j] = di * gain
		dGain += float64(di * l.in[j])
	}
	l.Gain.Grad[0] += F(dGain)
}

// Forward runs step t (steps in order from 0 after Reset) on in and
// returns its spikes (the layer's own slice).
func (l *HHv[F]) Forward(t int, in []F) []F {
	checkStep(t, l.steps, len(in), l.size)
	if t == 0 {
		l.prepare()
		n := l.size
		l.ck, l.spk = growSteps(l.ck, 4*n, l.steps), growSteps(l.spk, n, l.steps)
		l.state, l.adj = grow(l.state, 4*n), grow(l.adj, 4*n)
		for j := range n {
			l.state[j], l.state[n+j], l.state[2*n+j], l.state[3*n+j] = l.rest.v, l.rest.m, l.rest.h, l.rest.n
		}
		clear(l.adj)
	}
	copy(l.ck[t], l.state)
	l.step = hhvStepWork[F]{l: l, t: t, in: in}
	l.Pool.Run(&l.step, l.size, 64)
	l.step = hhvStepWork[F]{}
	return l.spk[t]
}

// Backward runs step t backwards (steps in reverse order from the last):
// dSpk is the gradient of step t's spikes; the input's gradient is added
// into dIn and the gain's into Gain.Grad. in is step t's input.
func (l *HHv[F]) Backward(t int, dIn, dSpk, in []F) {
	checkStep(t, l.steps, min(len(dIn), len(dSpk), len(in)), l.size)
	blocks := (l.size + 63) / 64
	l.gainPart = grow(l.gainPart, blocks)
	l.step = hhvStepWork[F]{l: l, t: t, in: in, dIn: dIn, dSpk: dSpk, back: true}
	l.Pool.Run(&l.step, l.size, 64)
	l.step = hhvStepWork[F]{}
	var dGain float64
	for _, g := range l.gainPart[:blocks] {
		dGain += g
	}
	l.Gain.Grad[0] += F(dGain)
}

type hhvStepWork[F Float] struct {
	l             *HHv[F]
	t             int
	in, dIn, dSpk []F
	back          bool
}

func (w *hhvStepWork[F]) Range(lo, hi int) {
	l := w.l
	n, ck := l.size, l.ck[w.t]
	gain := l.Gain.Value[0]
	var dGain float64
	for j := lo; j < hi; j++ {
		s := hhvState[F]{v: ck[j], m: ck[n+j], h: ck[2*n+j], n: ck[3*n+j]}
		i := gain * w.in[j]
		if !w.back {
			s, w.l.spk[w.t][j] = l.stepForward(s, i)
			l.state[j], l.state[n+j], l.state[2*n+j], l.state[3*n+j] = s.v, s.m, s.h, s.n
			continue
		}
		a := hhvState[F]{v: l.adj[j], m: l.adj[n+j], h: l.adj[2*n+j], n: l.adj[3*n+j]}
		var di F
		a, di = l.stepBackward(s, i, a, w.dSpk[j])
		l.adj[j], l.adj[n+j], l.adj[2*n+j], l.adj[3*n+j] = a.v, a.m, a.h, a.n
		w.dIn[j] += di * gain
		dGain += float64(di * w.in[j])
	}
	if w.back {
		l.gainPart[lo/64] = dGain
	}
}

// stepForward runs one network step of one neuron from s on current i and
// returns the new state and the step's spike.
func (l *HHv[F]) stepForward(s hhvState[F], i F) (hhvState[F], F) {
	maxV := F(math.Inf(-1))
	crossed := false
	for range l.Substeps {
		ns := substep(s, i, l.H, l.small, nil)
		if s.v <= l.Theta && ns.v > l.Theta {
			crossed = true
		}
		maxV = max(maxV, ns.v)
		s = ns
	}
	return s, l.spikeOf(crossed, maxV)
}

// hhvMaxSubsteps bounds Substeps: a step's states are recomputed into a
// buffer on the stack.
const hhvMaxSubsteps = 256

// stepBackward back-propagates one network step of one neuron that started
// at s on current i: a is the adjoint of the state at the step's end and
// dSpk the gradient of its spike. It returns the adjoint of the state at
// the step's start and the gradient of i. The substeps are recomputed
// from s.
func (l *HHv[F]) stepBackward(s hhvState[F], i F, a hhvState[F], dSpk F) (hhvState[F], F) {
	var states [hhvMaxSubsteps + 1]hhvState[F]
	states[0] = s
	at, maxV := 0, F(math.Inf(-1))
	for k := 1; k <= l.Substeps; k++ {
		states[k] = substep(states[k-1], i, l.H, l.small, nil)
		if states[k].v > maxV {
			at, maxV = k, states[k].v
		}
	}
	inject := dSpk * l.Surrogate.Grad(maxV-l.Theta)
	var di F
	var j hhvJac[F]
	for k := l.Substeps; k >= 1; k-- {
		if k == at {
			a.v += inject
		}
		substep(states[k-1], i, l.H, l.small, &j)
		di += j.vi * a.v
		a = hhvState[F]{
			v: j.vv*a.v + j.mv*a.m + j.hv*a.h + j.nv*a.n,
			m: j.vm*a.v + j.mm*a.m,
			h: j.vh*a.v + j.hh*a.h,
			n: j.vn*a.v + j.nn*a.n,
		}
	}
	return a, di
}
