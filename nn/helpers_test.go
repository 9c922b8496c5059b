package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// The gradient checks run in float64 with central differences (step
// 1e-6): their truncation error is O(h²)·f‴ ≈ 1e-12 and their rounding
// error ≈ 1e-16/h = 1e-10, so a relative error of 1e-6 leaves three orders
// of magnitude for real mistakes to show.
const gradTol = 1e-6

var fdSettings = &fd.Settings{Formula: fd.Central, Step: 1e-6}

// relErr is ‖a − b‖∞ / max(‖b‖∞, 1e-8).
func relErr(a, b []float64) float64 {
	var d, n float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
		n = max(n, math.Abs(b[i]))
	}
	return d / max(n, 1e-8)
}

func randVec(rng *rand.Rand, n int, lo, hi float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = lo + (hi-lo)*rng.Float64()
	}
	return x
}

// dot is Σ c·x, the random linear loss the checks differentiate.
func dot(c, x []float64) float64 {
	var s float64
	for i := range x {
		s += c[i] * x[i]
	}
	return s
}

// checkGrad compares analytic with the finite-difference gradient of f at x.
func checkGrad(t *testing.T, name string, f func([]float64) float64, x, analytic []float64) {
	t.Helper()
	num := fd.Gradient(nil, f, x, fdSettings)
	if e := relErr(analytic, num); e > gradTol || math.IsNaN(e) {
		t.Errorf("%s: relative error %.3g > %g\nanalytic %.6g\nnumeric  %.6g", name, e, gradTol, analytic, num)
	}
}

// smooth is the stand-in spike function of the checks: a sigmoid of slope 4.
var smooth = Surrogate[float64]{Smooth: 4}

func closeTo(a, b []float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*max(1, math.Abs(b[i])) {
			return false
		}
	}
	return true
}

// The references' branch-free float32 spike and window, as the kernels
// compute them.

// above is 1 if a > b, else 0, without a branch: the sign bit of b − a
// (which is +0, not −0, when a = b, so the comparison is strict).
func above(a, b float32) float32 {
	return math.Float32frombits(uint32(int32(math.Float32bits(b-a))>>31) & 0x3f800000)
}

// within is 1 if −w < x < w, else 0, without a branch.
func within(x, w float32) float32 {
	return above(x, -w) * above(w, x)
}
