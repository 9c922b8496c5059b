package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestStepGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	s := Step[float64]{Theta: 0.5, Surrogate: smooth}
	x := randVec(rng, 12, -1, 2)
	for i := range x {
		if math.Abs(x[i]) < 0.05 {
			x[i] = 0.3 // keep clear of the ReLU's kink
		}
	}
	c := randVec(rng, 12, -1, 1)
	out := make([]float64, 12)
	loss := func(x []float64) float64 { s.Forward(out, x); return dot(c, out) }
	dx := make([]float64, 12)
	s.Backward(dx, c, x)
	checkGrad(t, "Step dx", loss, x, dx)
}

func TestStepFloat32(t *testing.T) {
	s := Step[float32]{Theta: 0.5, Surrogate: Rect[float32](0.5)}
	x := []float32{-1, 0, 0.2, 0.5, 0.6, 0.99, 1, 1.2}
	out := make([]float32, len(x))
	s.Forward(out, x)
	if want := []float32{0, 0, 0, 0, 1, 1, 1, 1}; !slices.Equal(out, want) {
		t.Errorf("forward %v, want %v", out, want)
	}
	dx := make([]float32, len(x))
	s.Backward(dx, []float32{2, 2, 2, 2, 2, 2, 2, 2}, x)
	// Gradient 2 where 0 < x and |x − 0.5| < 0.5: x in (0, 1).
	if want := []float32{0, 0, 2, 2, 2, 2, 0, 0}; !slices.Equal(dx, want) {
		t.Errorf("backward %v, want %v", dx, want)
	}
}

// TestStepKernelsMatchScalar: the binary unit's float32 kernel gives the
// generic loop's bits, signed zeros included, on a length that leaves a
// tail to the loop: the whole slice through Forward and Backward against
// the generic loop one value at a time.
func TestStepKernelsMatchScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(44, 1))
	const n = 1003
	x, dOut := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*3 - 1
		dOut[i] = rng.Float32() - 0.5
	}
	x[5], x[17] = 0, 0.5
	s := Step[float32]{Theta: 0.5, Surrogate: Rect[float32](0.8)} // the window reaches below 0
	got, want := make([]float32, n), make([]float32, n)
	s.Forward(got, x)
	for i := range want {
		s.Forward(want[i:i+1], x[i:i+1])
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("forward %d: %v, one at a time %v", i, got[i], want[i])
		}
	}
	s.Backward(got, dOut, x)
	for i := range want {
		s.Backward(want[i:i+1], dOut[i:i+1], x[i:i+1])
	}
	negZeros := 0
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("backward %d: %v, one at a time %v", i, got[i], want[i])
		}
		if math.Float32bits(got[i]) == 1<<31 {
			negZeros++
		}
	}
	if negZeros == 0 {
		t.Fatal("no −0 gradient: the signed zeros are not checked")
	}
}
