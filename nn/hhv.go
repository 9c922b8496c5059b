package nn

import (
	"math"

	"github.com/hhnet/hhnet/internal/hhv"
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/tensor"
)

// HHv defaults (docs/model.md §9).
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
// convention (E_Na 115, E_K −12, E_L 10.613 mV; ḡ 120, 36, 0.3 mS/cm²;
// C = 1 µF/cm²), started at the steady state of rest. Each network step
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
// derivative through every substep and all four state variables
// (package internal/hhv holds the neuron).
//
// Two forms: ForwardStatic/BackwardStatic for an input that is the same at
// every step (the fc models and the information bottleneck: the
// derivative by the input is carried forward with the state, nothing is
// stored), and Forward/Backward per step (the conv models' layers), which
// keep the state at the start of every step and back-propagate each step
// by recomputing its substeps from there (memory 4·T values per neuron).
//
// In float32 the exponentials are package f32's, defined operation by
// operation, and the static form runs in an assembly kernel that gives
// the Go code's bits; in float64 they are math's.
type HHv[F Float] struct {
	Substeps  int
	H         F // substep, ms
	Theta     F
	Surrogate Surrogate[F]
	Gain      *Param[F] // one value: the input current per unit of input
	// Pool splits the neurons over goroutines; nil runs them here.
	Pool *tensor.Pool

	neuron      hhv.Neuron[F]
	size, steps int
	static      hhvStatic[F]
	step        hhvStepWork[F]
	in          []F   // static form: the input
	sens        []F   // static form: d(spike count)/dI
	ck          [][]F // [t]: the state V|m|h|n at the start of step t, 4·size
	state, adj  []F   // the current state; the adjoint of the state at the end of the step going back
	spk         [][]F // [t][size]
	gainPart    []float64
	di          []F // the per-step kernel's current gradients
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

// Reset prepares steps network steps of size neurons.
func (l *HHv[F]) Reset(size, steps int) {
	if l.Substeps < 1 || l.Substeps > hhv.MaxSubsteps || !(l.H > 0) {
		panic("nn: HHv needs 1 to 256 substeps of a positive length")
	}
	l.size, l.steps = size, steps
	p := neuron.HHShifted()
	v, m, n, h := p.Rest()
	rest := hhv.State[F]{V: F(v), M: F(m), H: F(h), N: F(n)}
	l.neuron = hhv.NewNeuron(rest, l.H, l.Theta, l.Surrogate.Lens, l.Surrogate.Smooth, steps, l.Substeps)
}

// ForwardStatic runs the steps of Reset on the constant input in and
// overwrites count with the spike counts; it keeps the counts'
// derivatives by the input for BackwardStatic.
func (l *HHv[F]) ForwardStatic(count, in []F) {
	checkStatic(l.steps, min(len(in), len(count)), l.size)
	l.in = in[:l.size]
	l.sens = grow(l.sens, l.size)
	l.static = hhvStatic[F]{l: l, in: in, count: count}
	l.Pool.Run(&l.static, l.size, 64)
	l.static = hhvStatic[F]{}
}

type hhvStatic[F Float] struct {
	l         *HHv[F]
	in, count []F
}

func (w *hhvStatic[F]) Range(lo, hi int) {
	l := w.l
	in, count, sens := w.in[lo:hi], w.count[lo:hi], l.sens[lo:hi]
	gain := l.Gain.Value[0]
	if isFast32(l.Surrogate) {
		if i := hhvVectorPart(len(in)); i > 0 {
			nr := any(&l.neuron).(*hhv.Neuron[float32])
			k := [9]float32{float32(gain), -nr.H, nr.Theta, nr.Lens, nr.Small, nr.Rest.V, nr.Rest.M, nr.Rest.H, nr.Rest.N}
			kernels.HHvStatic(any(&in[0]).(*float32), any(&count[0]).(*float32), any(&sens[0]).(*float32),
				i, nr.Steps, nr.Substeps, &k)
			in, count, sens = in[i:], count[i:], sens[i:]
		}
	}
	for j, x := range in {
		count[j], sens[j] = l.neuron.Static(gain * x)
	}
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
	n := l.size
	if t == 0 {
		l.ck, l.spk = growSteps(l.ck, 4*n, l.steps), growSteps(l.spk, n, l.steps)
		l.state, l.adj = grow(l.state, 4*n), grow(l.adj, 4*n)
		r := l.neuron.Rest
		for j := range n {
			l.state[j], l.state[n+j], l.state[2*n+j], l.state[3*n+j] = r.V, r.M, r.H, r.N
		}
		clear(l.adj)
	}
	copy(l.ck[t], l.state)
	l.step = hhvStepWork[F]{l: l, t: t, in: in}
	l.Pool.Run(&l.step, n, 64)
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
	l.di = grow(l.di, l.size)
	l.step = hhvStepWork[F]{l: l, t: t, in: in, dIn: dIn, dSpk: dSpk, back: true}
	l.Pool.Run(&l.step, l.size, 64)
	l.step = hhvStepWork[F]{}
	var dGain float64
	for _, g := range l.gainPart[:blocks] {
		dGain += g // in block order: the sum does not depend on the workers
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
	block := lo / 64
	if isFast32(l.Surrogate) && l.Substeps <= hhvAsmSubsteps {
		if v := hhvVectorPart(hi - lo); v > 0 {
			l.stepAsm(w, lo, v)
			if w.back {
				for j := lo; j < lo+v; j++ {
					di := l.di[j]
					w.dIn[j] += di * gain
					dGain += float64(di * w.in[j])
				}
			}
			lo += v
		}
	}
	for j := lo; j < hi; j++ {
		s := hhv.State[F]{V: ck[j], M: ck[n+j], H: ck[2*n+j], N: ck[3*n+j]}
		i := gain * w.in[j]
		if !w.back {
			s, l.spk[w.t][j] = l.neuron.Step(s, i)
			l.state[j], l.state[n+j], l.state[2*n+j], l.state[3*n+j] = s.V, s.M, s.H, s.N
			continue
		}
		a := hhv.State[F]{V: l.adj[j], M: l.adj[n+j], H: l.adj[2*n+j], N: l.adj[3*n+j]}
		var di F
		a, di = l.neuron.StepBack(s, i, a, w.dSpk[j])
		l.adj[j], l.adj[n+j], l.adj[2*n+j], l.adj[3*n+j] = a.V, a.M, a.H, a.N
		w.dIn[j] += di * gain
		dGain += float64(di * w.in[j])
	}
	if w.back {
		l.gainPart[block] = dGain
	}
}

// SpikesAt returns step t's spikes of the last per-step pass (the layer's
// own slice).
func (l *HHv[F]) SpikesAt(t int) []F { return l.spk[t] }

// hhvAsmSubsteps bounds the substeps of the per-step kernels, which keep
// a step's states in their frame.
const hhvAsmSubsteps = 64

// stepAsm runs the per-step kernel (float32, rectangular surrogate) on
// the v neurons from lo: forward, the new states and spikes; backward,
// the adjoints and each current's gradient into l.di.
func (l *HHv[F]) stepAsm(w *hhvStepWork[F], lo, v int) {
	nr := any(&l.neuron).(*hhv.Neuron[float32])
	k := [9]float32{float32(l.Gain.Value[0]), -nr.H, nr.Theta, nr.Lens, nr.Small, nr.Rest.V, nr.Rest.M, nr.Rest.H, nr.Rest.N}
	f := func(s []F) *float32 { return any(&s[0]).(*float32) }
	n, ck := l.size, l.ck[w.t]
	if !w.back {
		kernels.HHvStepForward(f(ck[lo:]), f(l.state[lo:]), f(w.in[lo:]), f(l.spk[w.t][lo:]), v, n, nr.Substeps, &k)
		return
	}
	kernels.HHvStepBackward(f(ck[lo:]), f(l.adj[lo:]), f(w.in[lo:]), f(w.dSpk[lo:]), f(l.di[lo:]), v, n, nr.Substeps, &k)
}

// HHvFiring are an HHv layer's firing statistics over a set of inputs.
type HHvFiring struct {
	MeanRate float64 // spikes per neuron per step
	Silent   float64 // fraction of the neurons that never spike
	PeakV    float64 // the highest membrane voltage reached, mV
	Above80  float64 // fraction of the neurons whose V passes 80 mV: the sodium spike
}

// Firing runs the static form's neurons on the constant inputs in (Reset
// sets the steps) and returns their statistics. It runs the Go code, one
// neuron at a time: meant for a sample of the inputs.
func (l *HHv[F]) Firing(in []F) HHvFiring {
	var f HHvFiring
	f.PeakV = math.Inf(-1)
	gain := l.Gain.Value[0]
	for _, x := range in {
		c, p := l.neuron.Peak(gain * x)
		f.MeanRate += float64(c)
		if c == 0 {
			f.Silent++
		}
		if p > 80 {
			f.Above80++
		}
		f.PeakV = max(f.PeakV, float64(p))
	}
	n := float64(max(len(in), 1))
	f.MeanRate /= n * float64(l.steps)
	f.Silent /= n
	f.Above80 /= n
	return f
}

// hhvVectorPart is the leading part of n neurons the HHv kernels take:
// a multiple of 32 (four groups of eight, whose chains of operations the
// core overlaps).
func hhvVectorPart(n int) int { return n &^ 31 }
