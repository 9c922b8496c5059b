package sim

import (
	"fmt"
	"math"

	"github.com/hhnet/hhnet/spike"
)

// Document is the machine-readable result of one experiment, the shape
// `hhnet equiv --json` prints and summary.json holds.
type Document struct {
	Experiment string  `json:"experiment"`
	DTms       float64 `json:"dt_ms"`
	DT2ms      float64 `json:"dt2_ms,omitempty"`
	DurationMs float64 `json:"duration_ms"`
	Variant    string  `json:"variant,omitempty"`
	Method     string  `json:"method"`
	Standalone bool    `json:"standalone,omitempty"`
	Source     string  `json:"source,omitempty"`
	// Signals names the rows of every signals train, in order.
	Signals []string `json:"signals,omitempty"`
	// Trains maps a train name to onset times (ms), one list per neuron
	// (per stimulus for the signals experiment).
	Trains  map[string][][]float64 `json:"trains"`
	Cases   []XORCaseDoc           `json:"cases,omitempty"`
	Metrics map[string]any         `json:"metrics"`
}

// XORCaseDoc is one XOR input case's spike counts.
type XORCaseDoc struct {
	A          int `json:"a"`
	B          int `json:"b"`
	HHOut      int `json:"hh_out"`
	TVLIF2HH   int `json:"tvlif2hh_out"`
	ExpectedOn int `json:"xor"`
}

// roundMs removes the float noise of n·dt (26.083000000000002 → 26.083).
func roundMs(t float64) float64 { return math.Round(t*1e9) / 1e9 }

func trainsDoc(trains []spike.Train) [][]float64 {
	out := make([][]float64, len(trains))
	for i, t := range trains {
		out[i] = make([]float64, len(t))
		for k, x := range t {
			out[i][k] = roundMs(x)
		}
	}
	return out
}

func methodName(m string) string {
	if m == "" {
		return "euler"
	}
	return m
}

func (s Settings) doc(experiment string) *Document {
	return &Document{Experiment: experiment, DTms: s.DT, DurationMs: s.Duration, Variant: s.Construction.String(),
		Method: methodName(s.Method), Standalone: s.Standalone, Trains: map[string][][]float64{}, Metrics: map[string]any{}}
}

// Document returns the XOR result in its machine-readable form.
func (r *XORResult) Document() *Document {
	d := r.Settings.doc("xor")
	d.Trains["hh_out"] = trainsDoc(r.HHOut)
	d.Trains["tvlif2hh_out"] = trainsDoc(r.TVOut)
	d.Trains["hh_in"] = trainsDoc(r.HHIn)
	d.Trains["tvlif2hh_in"] = trainsDoc(r.TVIn)
	agree := true
	for _, c := range r.Cases {
		d.Cases = append(d.Cases, XORCaseDoc{A: c.A, B: c.B, HHOut: c.HHOut, TVLIF2HH: c.TVOut, ExpectedOn: c.A ^ c.B})
		agree = agree && c.HHOut == c.TVOut
	}
	d.Metrics["counts_equal"] = agree
	d.Metrics["bin_agreement"] = r.BinAgreement
	d.Metrics["max_abs_voltage_diff_mv"] = maxTraceDiff(r.Traces)
	return d
}

// Document returns the fully connected result in its machine-readable form.
func (r *FCResult) Document() *Document {
	d := r.Settings.doc("fc")
	d.Source = r.Source
	d.Trains["hh_out"] = trainsDoc(r.HHOut)
	d.Trains["tvlif2hh_out"] = trainsDoc(r.TVOut)
	d.Trains["hh_hidden"] = trainsDoc(r.HHHidden)
	d.Trains["tvlif2hh_hidden"] = trainsDoc(r.TVHidden)
	hh, tv := r.HiddenSpikes()
	oh, ot := r.OutputCounts()
	d.Metrics["hidden_spikes_hh"] = hh
	d.Metrics["hidden_spikes_tvlif2hh"] = tv
	d.Metrics["output_counts_hh"] = oh
	d.Metrics["output_counts_tvlif2hh"] = ot
	equal := hh == tv
	for i := range oh {
		equal = equal && oh[i] == ot[i]
	}
	d.Metrics["counts_equal"] = equal
	d.Metrics["bin_agreement_hidden"] = r.BinAgreementHidden
	d.Metrics["bin_agreement_out"] = r.BinAgreementOut
	d.Metrics["max_abs_voltage_diff_mv"] = maxTraceDiff(r.Traces)
	return d
}

func maxTraceDiff(ts []Trace) float64 {
	m := 0.0
	for _, t := range ts {
		m = max(m, t.MaxAbs)
	}
	return m
}

// SignalsDocument returns the signal results in one machine-readable
// document; each train has one row per stimulus, in Signals order.
func SignalsDocument(s Settings, rs []*SignalResult) *Document {
	s, _ = s.withDefaults(0.001, 80)
	d := s.doc("signals")
	d.Variant = "" // s-LIF2HH has no tv-LIF2HH variant
	d.DT2ms = slifDT
	for _, name := range []string{"hh_out", "slif2hh_out", "hh_in", "slif2hh_in"} {
		d.Trains[name] = [][]float64{}
	}
	for _, r := range rs {
		d.Signals = append(d.Signals, r.Stimulus)
		d.Trains["hh_out"] = append(d.Trains["hh_out"], trainsDoc([]spike.Train{r.HHOut})[0])
		d.Trains["slif2hh_out"] = append(d.Trains["slif2hh_out"], trainsDoc([]spike.Train{r.SLIFOut})[0])
		d.Trains["hh_in"] = append(d.Trains["hh_in"], trainsDoc([]spike.Train{r.HHIn})[0])
		d.Trains["slif2hh_in"] = append(d.Trains["slif2hh_in"], trainsDoc([]spike.Train{r.SLIFIn})[0])
		d.Metrics[r.Stimulus] = signalMetrics(r)
	}
	return d
}

func signalMetrics(r *SignalResult) map[string]any {
	c := r.Comparison
	m := map[string]any{
		"count_hh":              c.CountRef,
		"count_slif2hh":         c.CountTest,
		"comparable":            c.Comparable,
		"mean_isi_diff_ms":      nil,
		"spike_time_error":      nil,
		"van_rossum":            c.VanRossum,
		"van_rossum_tau_ms":     c.Tau,
		"coincidence":           c.Coincidence,
		"coincidence_window_ms": c.Delta,
		"bin_agreement":         r.BinAgreement,
	}
	if c.Comparable {
		m["mean_isi_diff_ms"] = c.MeanISIDiffMs
		m["spike_time_error"] = c.SpikeTimeError
	} else {
		m["note"] = fmt.Sprintf("spike counts differ (HH %d, s-LIF2HH %d) or are below 2: the paper's mean_isi_diff_ms and spike_time_error are not comparable; see van_rossum and coincidence",
			c.CountRef, c.CountTest)
	}
	return m
}
