package spike

import (
	"errors"
	"math"
)

// Train is the onset times of one neuron's spikes in ms, ascending.
type Train []float64

// Onsets appends to dst the onset time of every run of true values in above,
// where above[i] is the state of bin i and bin i starts at t0 + i·dt.
// A run already under way at i = 0 counts as an onset at t0.
func Onsets(dst Train, above []bool, t0, dt float64) Train {
	prev := false
	for i, a := range above {
		if a && !prev {
			dst = append(dst, t0+float64(i)*dt)
		}
		prev = a
	}
	return dst
}

// ISIs appends the inter-spike intervals of t to dst.
func ISIs(dst []float64, t Train) []float64 {
	for i := 1; i < len(t); i++ {
		dst = append(dst, t[i]-t[i-1])
	}
	return dst
}

// MeanISI returns (last − first)/(n − 1), the mean inter-spike interval, and
// false when the train has fewer than two spikes.
func MeanISI(t Train) (float64, bool) {
	if len(t) < 2 {
		return 0, false
	}
	return (t[len(t)-1] - t[0]) / float64(len(t)-1), true
}

// ErrCountMismatch says the paper's metrics are undefined for the two trains.
var ErrCountMismatch = errors.New("spike counts differ: the paper's timing metrics are not comparable")

// ErrTooFewSpikes says a train has fewer than two spikes, so no ISI exists.
var ErrTooFewSpikes = errors.New("fewer than two spikes: no inter-spike interval")

// PaperMetrics returns the study's two timing metrics of test against ref
// (docs/model.md §3), defined only when both trains hold the same number n ≥ 2 of
// spikes:
//
//	meanISIDiff    = meanISI(test) − meanISI(ref)                       (ms)
//	spikeTimeError = (1/n) Σ_j |test_j − ref_j| / meanISI(ref)          (unitless)
func PaperMetrics(ref, test Train) (meanISIDiff, spikeTimeError float64, err error) {
	if len(ref) != len(test) {
		return 0, 0, ErrCountMismatch
	}
	isiRef, ok := MeanISI(ref)
	if !ok {
		return 0, 0, ErrTooFewSpikes
	}
	isiTest, _ := MeanISI(test)
	sum := 0.0
	for j := range ref {
		sum += math.Abs(test[j] - ref[j])
	}
	return isiTest - isiRef, sum / float64(len(ref)) / isiRef, nil
}

// BinAgreement returns the fraction of bins in which a and b agree.
// It panics if the lengths differ; two empty slices agree fully.
func BinAgreement(a, b []bool) float64 {
	if len(a) != len(b) {
		panic("spike: BinAgreement: lengths differ")
	}
	if len(a) == 0 {
		return 1
	}
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / float64(len(a))
}

// VanRossum returns the van Rossum distance between two trains for a
// causal exponential kernel of time constant tau (ms), in closed form:
//
//	D² = ½ [Σ_ij e^{−|a_i−a_j|/τ} + Σ_ij e^{−|b_i−b_j|/τ} − 2 Σ_ij e^{−|a_i−b_j|/τ}]
//
// so that one unmatched spike contributes ½ to D². It is defined for any
// spike counts.
func VanRossum(a, b Train, tau float64) float64 {
	k := func(x, y Train) float64 {
		s := 0.0
		for _, xi := range x {
			for _, yj := range y {
				s += math.Exp(-math.Abs(xi-yj) / tau)
			}
		}
		return s
	}
	d2 := 0.5 * (k(a, a) + k(b, b) - 2*k(a, b))
	if d2 < 0 { // rounding when the trains are identical
		d2 = 0
	}
	return math.Sqrt(d2)
}

// Coincidence returns Kistler's coincidence factor Γ of test against ref:
// the number of test spikes within ±delta ms of a ref spike (each ref spike
// matched at most once), less the number expected by chance from a Poisson
// train of the test's rate over duration ms, normalised so that identical
// trains give 1 and independent ones 0. It returns 0 when both are empty.
func Coincidence(ref, test Train, delta, duration float64) float64 {
	nr, nt := float64(len(ref)), float64(len(test))
	if nr+nt == 0 {
		return 0
	}
	coinc := 0
	j := 0
	for _, r := range ref {
		for j < len(test) && test[j] < r-delta {
			j++
		}
		if j < len(test) && math.Abs(test[j]-r) <= delta {
			coinc++
			j++
		}
	}
	rate := nt / duration
	expected := 2 * rate * delta * nr
	norm := 1 - 2*rate*delta
	if norm <= 0 {
		return math.NaN()
	}
	return (float64(coinc) - expected) / (0.5 * (nr + nt)) / norm
}

// Comparison summarises how a test train matches a reference train.
type Comparison struct {
	CountRef, CountTest int
	// Comparable is true when the counts agree and are at least 2, the
	// condition under which the paper's metrics below are defined.
	Comparable     bool
	MeanISIDiffMs  float64 // meanISI(test) − meanISI(ref); valid only when Comparable
	SpikeTimeError float64 // valid only when Comparable
	VanRossum      float64 // τ = Tau
	Coincidence    float64 // Δ = Delta
	Tau, Delta     float64
}

// Compare computes the paper's metrics when defined and the count-robust
// ones always, with van Rossum τ and coincidence window Δ in ms and the
// recording's duration in ms.
func Compare(ref, test Train, tau, delta, duration float64) Comparison {
	c := Comparison{CountRef: len(ref), CountTest: len(test), Tau: tau, Delta: delta}
	d, e, err := PaperMetrics(ref, test)
	if err == nil {
		c.Comparable, c.MeanISIDiffMs, c.SpikeTimeError = true, d, e
	}
	c.VanRossum = VanRossum(ref, test, tau)
	c.Coincidence = Coincidence(ref, test, delta, duration)
	return c
}
