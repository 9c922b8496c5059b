package rl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/nn"
)

// edgeValues are float32 values whose spikes, windows and ReLUs are easy
// to get wrong: signed zeros, NaN, infinities, the threshold and window
// edges, and random values around them.
func edgeValues(rng *rand.Rand, th, lens float32) []float32 {
	v := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		th, -th, lens, -lens, th + lens, th - lens, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32}
	for range 200 {
		v = append(v, float32(rng.NormFloat64()))
	}
	return v
}

func sameBits(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// TestBranchFreeFloat32: the masked float32 ReLU, its gradient and the
// rectangular spike and window give the branching code's bits.
func TestBranchFreeFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const lens = float32(0.4)
	vals := edgeValues(rng, 0, lens)
	got := append([]float32(nil), vals...)
	relu(got)
	for i, v := range vals {
		want := v
		if v < 0 {
			want = 0
		}
		if !sameBits(got[i], want) {
			t.Errorf("relu(%v) = %v, want %v", v, got[i], want)
		}
	}
	g := make([]float32, len(vals))
	for i := range g {
		g[i] = float32(rng.NormFloat64())
	}
	g[0] = float32(math.Copysign(0, -1))
	gg := make([]float32, len(vals))
	reluGrad(gg, g, vals)
	for i, out := range vals {
		want := float32(0)
		if out > 0 {
			want = g[i]
		}
		if !sameBits(gg[i], want) {
			t.Errorf("reluGrad at output %v: %v, want %v", out, gg[i], want)
		}
	}
	sg := nn.Surrogate[float32]{Lens: lens}
	for _, y := range vals {
		if s, want := rectStep32(y), sg.Spike(y); !sameBits(s, want) {
			t.Errorf("rectStep32(%v) = %v, Spike gives %v", y, s, want)
		}
		if w, want := rectWindow32(y, lens), sg.Grad(y); !sameBits(w, want) {
			t.Errorf("rectWindow32(%v) = %v, Grad gives %v", y, w, want)
		}
	}
}

// TestRowProduct: the one-row product of the wide layers gives
// Linear.Forward's result to rounding (it sums in another order and passes
// over zero inputs), bias included.
func TestRowProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	l := nn.NewLinear[float32]("w", 300, 200, rng)
	l.B.Uniform(rng, 1)
	x := make([]float32, l.In)
	for i := range x {
		if rng.IntN(2) == 0 {
			x[i] = float32(rng.NormFloat64())
		}
	}
	got, want := make([]float32, l.Out), make([]float32, l.Out)
	rowProduct(got, x, l)
	l.Forward(want, x, 1)
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) || math.IsNaN(float64(got[i])) {
			t.Fatalf("rowProduct[%d] = %v, Linear.Forward %v", i, got[i], want[i])
		}
	}
}
