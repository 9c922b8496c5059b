package spike

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestOnsets(t *testing.T) {
	above := []bool{false, true, true, false, true, false, false, true}
	got := Onsets(nil, above, 1, 0.5)
	if want := (Train{1.5, 3, 4.5}); !slices.Equal(got, want) {
		t.Errorf("Onsets = %v, want %v", got, want)
	}
	if got := Onsets(nil, []bool{true, true}, 0, 1); !slices.Equal(got, Train{0}) {
		t.Errorf("run under way at the start: %v", got)
	}
}

func TestPaperMetrics(t *testing.T) {
	// The const-stimulus reference of docs/model.md §3.
	hh := Train{12.930, 28.149, 43.384, 58.621, 73.857}
	sl := Train{14, 29, 44, 59, 74}
	d, e, err := PaperMetrics(hh, sl)
	if err != nil || math.Abs(d-(-0.23175)) > 1e-12 || math.Abs(e-0.0401661) > 5e-8 {
		t.Errorf("PaperMetrics = %v, %v, %v; want −0.23175, 0.0401661", d, e, err)
	}
	if _, _, err := PaperMetrics(hh, sl[:4]); !errors.Is(err, ErrCountMismatch) {
		t.Errorf("counts differ: %v", err)
	}
	if _, _, err := PaperMetrics(Train{1}, Train{2}); !errors.Is(err, ErrTooFewSpikes) {
		t.Errorf("one spike: %v", err)
	}
	if isi, _ := MeanISI(hh); math.Abs(isi-15.23175) > 1e-12 {
		t.Errorf("MeanISI = %v", isi)
	}
	if got := ISIs(nil, Train{1, 3, 7}); !slices.Equal(got, []float64{2, 4}) {
		t.Errorf("ISIs = %v", got)
	}
}

func TestVanRossum(t *testing.T) {
	a := Train{1, 5, 9}
	if d := VanRossum(a, a, 2); d != 0 {
		t.Errorf("identical trains: %v", d)
	}
	// One unmatched spike far from the others contributes ½ to D².
	if d := VanRossum(Train{1}, Train{}, 2); math.Abs(d-math.Sqrt(0.5)) > 1e-15 {
		t.Errorf("one extra spike: %v, want √½", d)
	}
	// Two single spikes δ apart: D² = 1 − e^{−δ/τ}.
	if d := VanRossum(Train{0}, Train{1}, 2); math.Abs(d*d-(1-math.Exp(-0.5))) > 1e-15 {
		t.Errorf("shifted spike: D² = %v", d*d)
	}
}

func TestCoincidence(t *testing.T) {
	a := Train{10, 20, 30, 40}
	if g := Coincidence(a, a, 1, 100); math.Abs(g-1) > 1e-12 {
		t.Errorf("identical: Γ = %v, want 1", g)
	}
	if g := Coincidence(a, Train{15, 25, 35, 45}, 1, 100); g >= 0 {
		t.Errorf("all misses: Γ = %v, want < 0 (below chance)", g)
	}
	if g := Coincidence(Train{}, Train{}, 1, 100); g != 0 {
		t.Errorf("empty: %v", g)
	}
}

func TestBinAgreementAndCompare(t *testing.T) {
	if f := BinAgreement([]bool{true, false, true, true}, []bool{true, true, true, true}); f != 0.75 {
		t.Errorf("BinAgreement = %v", f)
	}
	c := Compare(Train{1, 2, 3}, Train{1, 2}, 2, 1, 10)
	if c.Comparable || c.CountRef != 3 || c.CountTest != 2 || c.VanRossum == 0 {
		t.Errorf("Compare with differing counts: %+v", c)
	}
}
