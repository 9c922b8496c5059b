package f32

import (
	"math"
	"testing"
)

func TestExactValues(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want float32
	}{
		{"Exp(0)", Exp(0), 1},
		{"Exp(-1000) clamps", Exp(-1000), Exp(ExpMin)},
		{"Exp(1000) clamps", Exp(1000), Exp(ExpMax)},
		{"Softplus(0)", first(Softplus(0)), float32(math.Ln2)},
		{"slope(0)", second(Softplus(0)), 0.5},
		{"Softplus(200) = 200", first(Softplus(200)), 200},
		{"slope(200) = 1", second(Softplus(200)), 1},
		{"slope(-200) = 0", second(Softplus(-200)), Exp(ExpMin) / (1 + Exp(ExpMin))},
	} {
		if math.Float32bits(tc.got) != math.Float32bits(tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func first(a, _ float32) float32  { return a }
func second(_, b float32) float32 { return b }

// TestAccuracy bounds the relative error against math's float64
// functions over a dense grid of each function's working range.
func TestAccuracy(t *testing.T) {
	var worstExp, worstSp, worstSlope float64
	for i := 0; i <= 400000; i++ {
		x := float32(-87 + 175*float64(i)/400000)
		worstExp = max(worstExp, rel(float64(Exp(x)), math.Exp(float64(x))))
		u := float32(-80 + 160*float64(i)/400000)
		y, s := Softplus(u)
		e := math.Exp(float64(u))
		worstSp = max(worstSp, rel(float64(y), math.Log1p(e)))
		worstSlope = max(worstSlope, rel(float64(s), e/(1+e)))
	}
	if worstExp > 2e-7 || worstSp > 4e-7 || worstSlope > 3e-7 {
		t.Errorf("worst relative errors: Exp %.3g (≤ 2e-7), Softplus %.3g (≤ 4e-7), slope %.3g (≤ 3e-7)", worstExp, worstSp, worstSlope)
	}
	t.Logf("worst relative errors: Exp %.3g, Softplus %.3g, slope %.3g", worstExp, worstSp, worstSlope)
}

func rel(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

func BenchmarkSoftplus(b *testing.B) {
	var sum float32
	for i := 0; i < b.N; i++ {
		y, s := Softplus(float32(i%64) - 40)
		sum += y + s
	}
	if sum == 0 {
		b.Fatal(sum)
	}
}
