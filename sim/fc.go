package sim

import (
	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/spike"
)

// FCResult is the fully connected experiment: spike trains of both
// networks, their bin agreement and sample traces.
type FCResult struct {
	Settings                         Settings
	Source                           string // where the weights came from
	HHHidden, TVHidden, HHOut, TVOut []spike.Train
	// BinAgreementHidden and BinAgreementOut are the fractions of 1-step
	// bins (neurons × steps) in which the two networks agree.
	BinAgreementHidden, BinAgreementOut float64
	Traces                              []Trace // the busiest hidden neuron and output neuron
}

// HiddenSpikes returns the total hidden spike counts of HH and tv-LIF2HH.
func (r *FCResult) HiddenSpikes() (hh, tv int) {
	return totalSpikes(r.HHHidden), totalSpikes(r.TVHidden)
}

// OutputCounts returns the output spike count per neuron of both networks.
func (r *FCResult) OutputCounts() (hh, tv []int) {
	for i := range r.HHOut {
		hh = append(hh, len(r.HHOut[i]))
		tv = append(tv, len(r.TVOut[i]))
	}
	return hh, tv
}

// RunFC runs the 784–128–10 network of docs/model.md §3 on data (LoadFC or
// RandomFC): hidden HH neurons receive the constant current W01ᵀ·x; output
// neurons receive W12ᵀ·s with s the hidden flags (V > −40 mV) of the
// previous state. A tv-LIF2HH network is wired the same way.
func RunFC(s Settings, data *FCData) (*FCResult, error) {
	if data == nil {
		return nil, errNoData
	}
	s, err := s.withDefaults(0.001, 40)
	if err != nil {
		return nil, err
	}
	p := neuron.HHAbsolute()
	nh, no := len(data.W12), len(data.W12[0])
	hhHid, hhOut := neuron.NewHH(p, nh), neuron.NewHH(p, no)
	hhHid.SetState(initV, initM, initN, initH)
	hhOut.SetState(initV, initM, initN, initH)
	popHid, err := s.hhPop(hhHid)
	if err != nil {
		return nil, err
	}
	popOut, _ := s.hhPop(hhOut)
	tvHid := s.twin(hhHid, initV, initM, initN, initH)
	tvOut := s.twin(hhOut, initV, initM, initN, initH)
	lag := tvHid.Lag()

	net := NewNetwork(s.DT)
	gHHHid := net.Add("hh_hidden", popHid, Threshold)
	gHHOut := net.Add("hh_out", popOut, Threshold)
	gTVHid := net.Add("tvlif2hh_hidden", tvHid, Threshold)
	gTVOut := net.Add("tvlif2hh_out", tvOut, Threshold)
	cur := data.HiddenCurrent()
	gHHHid.Bias, gTVHid.Bias = cur, cur
	net.Connect(gHHHid, gHHOut, data.W12)
	net.Connect(gTVHid, gTVOut, data.W12)

	mons := []*SpikeMonitor{net.MonitorSpikes(gHHHid, 0), net.MonitorSpikes(gHHOut, 0),
		net.MonitorSpikes(gTVHid, lag), net.MonitorSpikes(gTVOut, lag)}
	for _, m := range mons {
		m.KeepBins()
	}
	// Trace the hidden neuron with the largest input, and output neuron 0.
	busiest := 0
	for j, c := range cur {
		if c > cur[busiest] {
			busiest = j
		}
	}
	every := s.traceEvery()
	sHHHid, sTVHid := net.MonitorState(gHHHid, []int{busiest}, every, 0), net.MonitorState(gTVHid, []int{busiest}, every, lag)
	sHHOut, sTVOut := net.MonitorState(gHHOut, []int{0}, every, 0), net.MonitorState(gTVOut, []int{0}, every, lag)
	net.Run(s.Steps())

	return &FCResult{
		Settings: s, Source: data.Source,
		HHHidden: mons[0].Trains(), HHOut: mons[1].Trains(), TVHidden: mons[2].Trains(), TVOut: mons[3].Trains(),
		BinAgreementHidden: pairAgreement(mons[0], mons[2], lag),
		BinAgreementOut:    pairAgreement(mons[1], mons[3], lag),
		Traces: []Trace{newTrace("hidden neuron (largest input)", sHHHid, sTVHid, 0),
			newTrace("output neuron 0", sHHOut, sTVOut, 0)},
	}, nil
}
