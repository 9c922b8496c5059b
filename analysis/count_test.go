package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/nn"
)

// TestPaperFigures pins the counts of docs/model.md §6: MUL in millions
// (two decimals, as the paper prints them; LIF_hh_conv corrected from the
// printed 22.03) and trainable parameters, exactly.
func TestPaperFigures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mulM   float64
		params int64
		frozen int
	}{
		{"LIF_fc", 10.00, 690734, 0}, {"HH_fc", 10.16, 690734, 3072}, {"LIF_hh_fc", 30.08, 2095666, 0},
		{"4LIF_fc", 40.01, 2759726, 0}, {"LIF_conv", 6.89, 42580, 0}, {"HH_conv", 11.75, 42580, 324},
		{"LIF_hh_conv", 22.18, 166104, 0}, {"4LIF_conv", 80.06, 177910, 0},
	} {
		a, err := Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		mul, _ := a.Dense()
		if got := math.Round(float64(mul)/1e4) / 100; got != tc.mulM {
			t.Errorf("%s: %d multiplications = %.2f M, want %.2f M", tc.name, mul, got, tc.mulM)
		}
		if a.Params() != tc.params || a.Frozen != tc.frozen {
			t.Errorf("%s: %d trainable, %d frozen; want %d, %d", tc.name, a.Params(), a.Frozen, tc.params, tc.frozen)
		}
	}
}

// TestExactCounts pins whole numbers worked out by hand from the rules.
func TestExactCounts(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		mul, add, exMul, exAdd int64
	}{
		// LIF_fc: 1296·512·15 + 512·3·15 + 512·50; adds (1295·512)·15 + 512·3·15 + 511·50.
		{"LIF_fc", 10001920, 9994190, 1296*512 + 23040 + 25600, 1295*512 + 23040 + 511*50},
		// LIF_conv: 9·12960·15 + 12960·3·15 + 90·3240·15 + 3240·3·15 + 810·50.
		{"LIF_conv", 6893100, 6893100 - 12960*15 - 3240*15 - 50, 9*12960 + 583200 + 4374000 + 145800 + 40500, 0},
	} {
		a, _ := Lookup(tc.name)
		mul, add := a.Dense()
		exMul, exAdd := a.Executed()
		if mul != tc.mul || add != tc.add || exMul != tc.exMul || (tc.exAdd != 0 && exAdd != tc.exAdd) {
			t.Errorf("%s: dense %d/%d executed %d/%d; want %d/%d and %d/%d", tc.name, mul, add, exMul, exAdd, tc.mul, tc.add, tc.exMul, tc.exAdd)
		}
	}
	if _, err := Lookup("GRU"); err == nil {
		t.Error("unknown model accepted")
	}
}

func TestFanOut(t *testing.T) {
	for name, want := range map[string]int{"LIF_fc": 50, "LIF_hh_fc": 50, "LIF_conv": 90, "LIF_hh_conv": 270, "4LIF_conv": 360} {
		a, _ := Lookup(name)
		if a.FanOut() != want {
			t.Errorf("%s: fan-out %d, want %d", name, a.FanOut(), want)
		}
	}
}

// TestArchsMatchModels: the implemented models have the parameters the
// counting rules give.
func TestArchsMatchModels(t *testing.T) {
	for _, spec := range models.Specs() {
		m, err := models.New[float32](spec.Name, rand.New(rand.NewPCG(1, 1)), models.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := Lookup(spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		if int64(nn.Count(m.Params())) != a.Params() || models.CountFrozen(m) != a.Frozen {
			t.Errorf("%s: model has %d + %d frozen, counting rules %d + %d", spec.Name, nn.Count(m.Params()), models.CountFrozen(m), a.Params(), a.Frozen)
		}
	}
}
