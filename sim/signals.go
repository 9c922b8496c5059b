package sim

import (
	"fmt"
	"math"

	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/spike"
)

// Stimulus is an input current x(t) (µA/cm², t in ms) with its integral
// from 0, so that step means are exact.
type Stimulus struct {
	Name     string
	At       func(t float64) float64
	Integral func(t float64) float64 // ∫₀ᵗ x
}

// Mean returns the exact mean of x over [a, b].
func (s Stimulus) Mean(a, b float64) float64 {
	return (s.Integral(b) - s.Integral(a)) / (b - a)
}

// signalPeriod is f of the periodic stimuli, in ms.
const signalPeriod = 8.5

// Stimuli returns the paper's five stimuli (docs/model.md §3), in its order.
func Stimuli() []Stimulus {
	const f = signalPeriod
	// modF is t mod f for t ≥ 0 and the number of whole periods before t.
	modF := func(t float64) (r, periods float64) {
		periods = math.Floor(t / f)
		return t - periods*f, periods
	}
	squareOn := func(k float64) bool { return math.Mod(k, f) < 3.751 }
	return []Stimulus{
		{Name: "const",
			At:       func(float64) float64 { return 9 },
			Integral: func(t float64) float64 { return 9 * t }},
		{Name: "sine",
			At:       func(t float64) float64 { return 11.5 - 19*math.Sin(1.2*t) },
			Integral: func(t float64) float64 { return 11.5*t + 19/1.2*(math.Cos(1.2*t)-1) }},
		{Name: "square",
			At: func(t float64) float64 {
				if squareOn(math.Floor(t)) {
					return 24.5
				}
				return -6.5
			},
			// Piecewise constant on whole milliseconds: sum the whole ones,
			// then the fraction of the last.
			Integral: func(t float64) float64 {
				val := func(k float64) float64 {
					if squareOn(k) {
						return 24.5
					}
					return -6.5
				}
				whole := math.Floor(t)
				s := 0.0
				for k := 0.0; k < whole; k++ {
					s += val(k)
				}
				return s + (t-whole)*val(whole)
			}},
		{Name: "sawtooth",
			At: func(t float64) float64 {
				r, _ := modF(t)
				return 6.5 + 11/f*(r+f/2)
			},
			Integral: func(t float64) float64 {
				r, k := modF(t)
				saw := k*f*f/2 + r*r/2 // ∫₀ᵗ mod(τ, f) dτ
				return 6.5*t + 11/f*(saw+f/2*t)
			}},
		{Name: "triangle",
			At: func(t float64) float64 {
				r, _ := modF(t)
				return 7 + 7/f*math.Abs(r-f/2)
			},
			Integral: func(t float64) float64 {
				r, k := modF(t)
				var part float64 // ∫₀ʳ |x − f/2| dx
				if r <= f/2 {
					part = f/2*r - r*r/2
				} else {
					part = f*f/8 + (r-f/2)*(r-f/2)/2
				}
				return 7*t + 7/f*(k*f*f/4+part)
			}},
	}
}

// StimulusByName returns the named stimulus of Stimuli.
func StimulusByName(name string) (Stimulus, error) {
	for _, s := range Stimuli() {
		if s.Name == name {
			return s, nil
		}
	}
	return Stimulus{}, fmt.Errorf("unknown signal %q (want const, sine, square, sawtooth or triangle)", name)
}

// Constants of the signal experiment (docs/model.md §3).
const (
	signalThreshold = 70.0   // mV above rest, both models
	signalCoupling  = 100.0  // HH layer 1 → layer 2, per flag
	slifDT          = 1.0    // ms, the s-LIF2HH step
	slifDecay       = 0.9    // s-LIF2HH membrane decay per step
	slifCoupling    = 1e5    // layer-1 LIF_k flag → layer-2 LIF_k
	vanRossumTau    = 2.0    // ms, count-robust metric
	coincidenceWin  = 2.0    // ms, count-robust metric
	initSigV        = 0.0    // shifted-convention initial state
	initSigM        = 0.0489 // (V, m, n, h) as given in docs/model.md §3
	initSigN        = 0.6446
	initSigH        = 0.1341
)

// SignalResult compares a two-layer HH chain with a two-layer s-LIF2HH
// chain under one stimulus.
type SignalResult struct {
	Stimulus   string
	DT, DT2    float64 // HH and s-LIF2HH steps, ms
	HHIn       spike.Train
	HHOut      spike.Train
	SLIFIn     spike.Train
	SLIFOut    spike.Train
	Comparison spike.Comparison // layer-2 trains, HH the reference
	// BinAgreement compares the layer-2 outputs on the HH grid.
	BinAgreement float64
	// Trace of the layer-2 HH voltage and the s-LIF2HH LIF₄ membrane.
	TraceT, TraceHH    []float64
	TraceT2, TraceSLIF []float64
}

// RunSignals runs HH against s-LIF2HH under the named stimuli (all five when
// names is empty), as in docs/model.md §3.
func RunSignals(s Settings, names ...string) ([]*SignalResult, error) {
	s, err := s.withDefaults(0.001, 80)
	if err != nil {
		return nil, err
	}
	if s.DT > slifDT {
		return nil, fmt.Errorf("dt = %v ms: the signal experiment needs dt ≤ %v ms, the s-LIF2HH step", s.DT, slifDT)
	}
	stims, err := stimuliNamed(names)
	if err != nil {
		return nil, err
	}
	var out []*SignalResult
	for _, st := range stims {
		r, err := runSignal(s, st)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func runSignal(s Settings, st Stimulus) (*SignalResult, error) {
	r := &SignalResult{Stimulus: st.Name, DT: s.DT, DT2: slifDT}
	steps := s.Steps()

	// HH chain: layer 1 takes x(k·dt) at step k; layer 2 takes 100·flag₁ of
	// the same step. An onset whose first state above is after n steps is
	// attributed to the start of its bin, (n−1)·dt.
	p := neuron.HHShifted()
	l1, l2 := neuron.NewHH(p, 1), neuron.NewHH(p, 1)
	l1.SetState(initSigV, initSigM, initSigN, initSigH)
	l2.SetState(initSigV, initSigM, initSigN, initSigH)
	pop1, err := s.hhPop(l1)
	if err != nil {
		return nil, err
	}
	pop2, _ := s.hhPop(l2)
	net := NewNetwork(s.DT)
	g1 := net.Add("hh_in", pop1, signalThreshold)
	g2 := net.Add("hh_out", pop2, signalThreshold)
	g1.Drive = func(step int, dst []float64) { dst[0] += st.At(float64(step) * s.DT) }
	net.ConnectSameStep(g1, g2, [][]float64{{signalCoupling}})
	m1, m2 := net.MonitorSpikes(g1, 1), net.MonitorSpikes(g2, 1)
	m2.KeepBins()
	tr := net.MonitorState(g2, []int{0}, s.traceEvery(), 0)
	net.Run(steps)
	r.HHIn, r.HHOut = m1.Trains()[0], m2.Trains()[0]
	r.TraceT, r.TraceHH = tr.T, tr.V[0]

	// s-LIF2HH chain at 1 ms: layer 1 takes the exact mean of x over the
	// step; layer-2 LIF_k takes 1e5·[layer-1 LIF_k above] + [layer-1 LIF₄ above].
	n2 := int(s.Duration/slifDT + 0.5)
	a, b := neuron.NewSLIF2HH(slifDecay, signalThreshold, 1), neuron.NewSLIF2HH(slifDecay, signalThreshold, 1)
	fired := make([]bool, n2)
	r.TraceT2 = append(r.TraceT2, 0)
	r.TraceSLIF = append(r.TraceSLIF, 0)
	for step := 1; step <= n2; step++ {
		x := st.Mean(float64(step-1)*slifDT, float64(step)*slifDT)
		a.In[0][0], a.In[1][0], a.In[2][0] = x, x, x
		a.Step()
		for k := range 3 {
			b.In[k][0] = slifCoupling*b2f(a.Above[k][0]) + b2f(a.Above[3][0])
		}
		b.Step()
		t := float64(step-1) * slifDT
		if a.Fired[0] {
			r.SLIFIn = append(r.SLIFIn, t)
		}
		if b.Fired[0] {
			r.SLIFOut = append(r.SLIFOut, t)
			fired[step-1] = true
		}
		r.TraceT2 = append(r.TraceT2, float64(step)*slifDT)
		r.TraceSLIF = append(r.TraceSLIF, b.U[3][0])
	}

	// Bin b (1-based) of the HH grid: HH state after b steps; s-LIF2HH step ⌈b·dt/dt₂⌉.
	hhBins := m2.Bins()[0]
	slBins := make([]bool, len(hhBins))
	for i := range slBins {
		k := int(math.Ceil(float64(i+1)*s.DT/slifDT-1e-9)) - 1
		slBins[i] = k >= 0 && k < n2 && fired[k]
	}
	r.BinAgreement = spike.BinAgreement(hhBins, slBins)
	r.Comparison = spike.Compare(r.HHOut, r.SLIFOut, vanRossumTau, coincidenceWin, s.Duration)
	return r, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// stimuliNamed returns the named stimuli, all of them for none.
func stimuliNamed(names []string) ([]Stimulus, error) {
	if len(names) == 0 {
		return Stimuli(), nil
	}
	var stims []Stimulus
	for _, n := range names {
		st, err := StimulusByName(n)
		if err != nil {
			return nil, err
		}
		stims = append(stims, st)
	}
	return stims, nil
}

// Scaled returns the stimulus k·x(t), under the same name.
func (s Stimulus) Scaled(k float64) Stimulus {
	at, integral := s.At, s.Integral
	return Stimulus{Name: s.Name,
		At:       func(t float64) float64 { return k * at(t) },
		Integral: func(t float64) float64 { return k * integral(t) }}
}

// ScaledResult is the signals experiment at one amplitude scale.
type ScaledResult struct {
	Scale   float64
	Results []*SignalResult // one per stimulus, in Stimuli's order
}

// RunSignalsScaled runs the signals experiment with every named stimulus
// (all for none) run as s·x(t) for each scale s: how the HH vs s-LIF2HH
// agreement depends on the input's amplitude.
func RunSignalsScaled(s Settings, scales []float64, names ...string) ([]ScaledResult, error) {
	stims, err := stimuliNamed(names)
	if err != nil {
		return nil, err
	}
	s, err = s.withDefaults(0.001, 80)
	if err != nil {
		return nil, err
	}
	if s.DT > slifDT {
		return nil, fmt.Errorf("dt = %v ms: the signal experiment needs dt ≤ %v ms, the s-LIF2HH step", s.DT, slifDT)
	}
	var out []ScaledResult
	for _, k := range scales {
		if !(k > 0) || math.IsInf(k, 0) {
			return nil, fmt.Errorf("scale %v: want a positive number", k)
		}
		sr := ScaledResult{Scale: k}
		for _, st := range stims {
			r, err := runSignal(s, st.Scaled(k))
			if err != nil {
				return nil, err
			}
			sr.Results = append(sr.Results, r)
		}
		out = append(out, sr)
	}
	return out, nil
}
