package sim

import (
	"fmt"

	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/ode"
	"github.com/hhnet/hhnet/spike"
)

// Settings configure an equivalence experiment. The zero value reproduces
// the paper: its dt and duration, the `paper` tv-LIF2HH discretisation and
// the exact forward Euler kernel.
type Settings struct {
	DT           float64             // HH step in ms; 0 = the paper's (0.001 ms)
	Duration     float64             // ms; 0 = the paper's (40 ms, 80 ms for the signals)
	Construction neuron.Construction // tv-LIF2HH discretisation (docs/model.md §2)
	// Method integrates the HH neurons: "" or "euler" (the paper's exact
	// forward Euler kernel), "euler-fast", "rk4" or "rush-larsen".
	Method string
	// Standalone runs each tv-LIF2HH neuron on its own gating variables
	// instead of its HH twin's conductances.
	Standalone bool
	// TracePoints is the number of voltage samples kept per trace;
	// 0 = 4000.
	TracePoints int
}

func (s Settings) withDefaults(dt, duration float64) (Settings, error) {
	if s.DT == 0 {
		s.DT = dt
	}
	if s.Duration == 0 {
		s.Duration = duration
	}
	if s.TracePoints == 0 {
		s.TracePoints = 4000
	}
	if !(s.DT > 0) || s.DT > s.Duration {
		return s, fmt.Errorf("dt = %v ms: want 0 < dt ≤ the duration (%v ms)", s.DT, s.Duration)
	}
	if s.Steps() > 1e9 {
		return s, fmt.Errorf("dt = %v ms over %v ms is %d steps: too many", s.DT, s.Duration, s.Steps())
	}
	if _, err := s.hhPop(neuron.NewHH(neuron.HHAbsolute(), 0)); err != nil {
		return s, err
	}
	return s, nil
}

// Steps returns the number of steps of the run, round(Duration/DT).
func (s Settings) Steps() int { return int(s.Duration/s.DT + 0.5) }

func (s Settings) traceEvery() int {
	return max(1, s.Steps()/s.TracePoints)
}

// hhPop wraps h with the stepper that Method names.
func (s Settings) hhPop(h *neuron.HH) (*HHPop, error) {
	switch s.Method {
	case "", "euler":
		return &HHPop{HH: h}, nil
	case "euler-fast":
		return &HHPop{HH: h, Fast: true}, nil
	}
	st, err := ode.Parse(s.Method)
	if err != nil {
		return nil, fmt.Errorf("unknown integration method %q (want euler, euler-fast, rk4 or rush-larsen)", s.Method)
	}
	return &HHPop{HH: h, Stepper: st}, nil
}

// twin returns the tv-LIF2HH population paired with h (or standalone).
func (s Settings) twin(h *neuron.HH, v0, m0, n0, h0 float64) *TVPop {
	tv := neuron.NewTVLIF2HH(h.Params, s.Construction, h.Len(), v0)
	tv.Reset(v0, m0, n0, h0)
	if s.Standalone {
		return NewTVPop(tv, nil)
	}
	return NewTVPop(tv, h)
}

// The paper's initial HH state in the absolute convention (XOR and fc).
const (
	initV = -70.0
	initM = 0.0289
	initN = 0.2446
	initH = 0.7541
)

// Threshold is the spike read-out of the absolute convention: V > −40 mV.
const Threshold = -40.0

// Trace is a sampled voltage trace of one neuron in both models, on a
// common time grid (ms).
type Trace struct {
	Label  string
	T      []float64
	HH     []float64
	Twin   []float64
	MaxAbs float64 // max |HH − Twin| over the trace, mV
}

func newTrace(label string, hh, tw *StateMonitor, k int) Trace {
	n := min(len(hh.T), len(tw.T))
	tr := Trace{Label: label, T: hh.T[:n], HH: hh.V[k][:n], Twin: tw.V[k][:n]}
	for i := range n {
		tr.MaxAbs = max(tr.MaxAbs, abs(tr.HH[i]-tr.Twin[i]))
	}
	return tr
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// pairAgreement compares two spike monitors bin by bin, aligning the twin's
// bins by its lag, and returns the fraction of equal bins over all neurons.
func pairAgreement(hh, tw *SpikeMonitor, lag int) float64 {
	hb, tb := hh.Bins(), tw.Bins()
	same, total := 0, 0
	for i := range hb {
		// HH bin n−1 holds step n; the twin's step n+lag approximates it.
		n := min(len(hb[i]), len(tb[i])-lag)
		for b := range n {
			if hb[i][b] == tb[i][b+lag] {
				same++
			}
			total++
		}
	}
	if total == 0 {
		return 1
	}
	return float64(same) / float64(total)
}

func totalSpikes(trains []spike.Train) int {
	n := 0
	for _, t := range trains {
		n += len(t)
	}
	return n
}
