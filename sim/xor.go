package sim

import (
	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/spike"
)

// XOR drive and coupling of docs/model.md §3.
const (
	xorCurrent = 40.0 // µA/cm² into an input neuron whose bit is 1
	xorGain    = 20.0 // µA/cm² per active input flag into the output
)

// XORCase is one input pattern and the spike counts it produced.
type XORCase struct {
	A, B         int
	HHOut, TVOut int    // output spike counts
	HHIn, TVIn   [2]int // input spike counts (A, B)
}

// XORResult is the XOR experiment: every input case, and the trains and
// traces of the (1, 1) case the paper shows.
type XORResult struct {
	Settings Settings
	Cases    []XORCase // (0,0), (0,1), (1,0), (1,1)
	// The (1, 1) case: trains per neuron (inputs A, B; output O).
	HHIn, TVIn, HHOut, TVOut []spike.Train
	Traces                   []Trace // input A and output O, HH vs tv-LIF2HH
	BinAgreement             float64 // over the three neurons of the (1, 1) case
}

// RunXOR runs the XOR network of docs/model.md §3 for all four input cases: input
// HH neurons A and B get 40 µA/cm² when their bit is 1; the output neuron O
// gets 20·[V_A > −40] − 20·[V_B > −40] from the previous state. Each HH
// neuron has a tv-LIF2HH twin wired the same way, whose flags come from the
// twin's own output.
func RunXOR(s Settings) (*XORResult, error) {
	s, err := s.withDefaults(0.001, 40)
	if err != nil {
		return nil, err
	}
	res := &XORResult{Settings: s}
	for _, c := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
		r, err := runXORCase(s, c[0], c[1], c == [2]int{1, 1})
		if err != nil {
			return nil, err
		}
		res.Cases = append(res.Cases, r.xc)
		if c == [2]int{1, 1} {
			res.HHIn, res.TVIn, res.HHOut, res.TVOut = r.hhIn, r.tvIn, r.hhOut, r.tvOut
			res.Traces, res.BinAgreement = r.traces, r.agree
		}
	}
	return res, nil
}

type xorRun struct {
	xc                       XORCase
	hhIn, tvIn, hhOut, tvOut []spike.Train
	traces                   []Trace
	agree                    float64
}

func runXORCase(s Settings, a, b int, keep bool) (*xorRun, error) {
	p := neuron.HHAbsolute()
	net := NewNetwork(s.DT)
	hhIn := neuron.NewHH(p, 2)
	hhOut := neuron.NewHH(p, 1)
	hhIn.SetState(initV, initM, initN, initH)
	hhOut.SetState(initV, initM, initN, initH)
	popIn, err := s.hhPop(hhIn)
	if err != nil {
		return nil, err
	}
	popOut, _ := s.hhPop(hhOut)
	tvIn := s.twin(hhIn, initV, initM, initN, initH)
	tvOut := s.twin(hhOut, initV, initM, initN, initH)
	lag := tvIn.Lag()

	bias := []float64{xorCurrent * float64(a), xorCurrent * float64(b)}
	w := [][]float64{{xorGain}, {-xorGain}}
	// Twins first: a paired twin reads its source's conductances in the
	// snapshot phase, so group order does not matter; it only fixes output order.
	gHHIn := net.Add("hh_in", popIn, Threshold)
	gHHOut := net.Add("hh_out", popOut, Threshold)
	gTVIn := net.Add("tvlif2hh_in", tvIn, Threshold)
	gTVOut := net.Add("tvlif2hh_out", tvOut, Threshold)
	gHHIn.Bias, gTVIn.Bias = bias, bias
	net.Connect(gHHIn, gHHOut, w)
	net.Connect(gTVIn, gTVOut, w)

	mHHIn, mHHOut := net.MonitorSpikes(gHHIn, 0), net.MonitorSpikes(gHHOut, 0)
	mTVIn, mTVOut := net.MonitorSpikes(gTVIn, lag), net.MonitorSpikes(gTVOut, lag)
	var sHHIn, sHHOut, sTVIn, sTVOut *StateMonitor
	if keep {
		for _, m := range []*SpikeMonitor{mHHIn, mHHOut, mTVIn, mTVOut} {
			m.KeepBins()
		}
		every := s.traceEvery()
		sHHIn, sHHOut = net.MonitorState(gHHIn, []int{0}, every, 0), net.MonitorState(gHHOut, []int{0}, every, 0)
		sTVIn, sTVOut = net.MonitorState(gTVIn, []int{0}, every, lag), net.MonitorState(gTVOut, []int{0}, every, lag)
	}
	net.Run(s.Steps())

	r := &xorRun{xc: XORCase{A: a, B: b, HHOut: mHHOut.Count[0], TVOut: mTVOut.Count[0],
		HHIn: [2]int{mHHIn.Count[0], mHHIn.Count[1]}, TVIn: [2]int{mTVIn.Count[0], mTVIn.Count[1]}}}
	if keep {
		r.hhIn, r.tvIn, r.hhOut, r.tvOut = mHHIn.Trains(), mTVIn.Trains(), mHHOut.Trains(), mTVOut.Trains()
		r.traces = []Trace{newTrace("input A", sHHIn, sTVIn, 0), newTrace("output O", sHHOut, sTVOut, 0)}
		inAgree := pairAgreement(mHHIn, mTVIn, lag)
		outAgree := pairAgreement(mHHOut, mTVOut, lag)
		r.agree = (2*inAgree + outAgree) / 3
	}
	return r, nil
}
