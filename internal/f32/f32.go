// Package f32 holds float32 functions defined operation by operation —
// every product and sum rounded to float32 on its own, no fused
// multiply-adds — so that the assembly kernels that compute them eight
// lanes at a time (package kernels) give the same bits, on every
// architecture. They are accurate to a few units in the last place, not
// correctly rounded: math's float64 functions are the reference for their
// accuracy (the tests bound the error).
package f32

import "math"

// Constants of Exp: log₂e; ln 2 split into a part with trailing zero
// bits (n·ln2Hi is exact for |n| < 2⁹) and the rest; the clamps, inside
// which 2ⁿ is a normal float32.
const (
	log2e  = 1.44269504088896341
	ln2Hi  = 0.693359375
	ln2Lo  = -2.12194440e-4
	ExpMin = -87.0 // Exp's smallest argument; below it Exp(ExpMin)
	ExpMax = 88.0  // Exp's largest argument; above it Exp(ExpMax)
)

// expCoef are the Taylor coefficients 1/k! of eʳ for k = 7 down to 2:
// on |r| ≤ ln2/2 the series' remainder is below 6e-9.
var expCoef = [6]float32{1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5}

// Exp returns eˣ for x clamped to [ExpMin, ExpMax], x not NaN: x = n·ln2 + r
// with n the nearest integer to x·log₂e (ties to even), a degree-7
// polynomial for eʳ, and the exponent n put in by bits. Relative error
// below 3e-7.
func Exp(x float32) float32 {
	x = min(max(x, ExpMin), ExpMax)
	n := float32(math.RoundToEven(float64(float32(x * log2e))))
	r := x - float32(n*ln2Hi)
	r -= float32(n * ln2Lo)
	p := expCoef[0]
	for _, c := range expCoef[1:] {
		p = float32(p*r) + c
	}
	p = float32(p*r) + 1
	p = float32(p*r) + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// log1pCoef are 1/(2k+1) for k = 6 down to 1: log(1+e) = 2·atanh(t) with
// t = e/(2+e) ≤ 1/3 for e in [0, 1], the series t·Σ t²ᵏ/(2k+1) to k = 6
// leaving a remainder below 1.4e-8 of the sum.
var log1pCoef = [6]float32{1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3}

// Softplus returns ln(1 + eᵘ) and its derivative, the logistic function
// 1/(1 + e⁻ᵘ), for u not NaN, as max(u, 0) + ln(1 + e) with e = e^−|u|:
// no overflow, and relative accuracy where the value is tiny (u ≪ 0).
// Relative error below 5e-7.
func Softplus(u float32) (y, slope float32) {
	e := Exp(-abs(u))
	den := 1 + e
	t := e / (2 + e)
	z := t * t
	q := log1pCoef[0]
	for _, c := range log1pCoef[1:] {
		q = float32(q*z) + c
	}
	q = float32(q*z) + 1
	l := t * q
	y = max(u, 0) + (l + l)
	num := e
	if u >= 0 {
		num = 1
	}
	return y, num / den
}

func abs(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }
