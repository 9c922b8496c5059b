package nn

import "math"

// Surrogate is the spike function and the derivative backward uses in its
// place, both of x = membrane − threshold.
//
// The zero Smooth gives the paper's: spike = 1 if x > 0 (strict), and
// derivative 1 if |x| < Lens, else 0 (rectangular, unscaled). Smooth > 0
// replaces both by a sigmoid of slope Smooth and its true derivative, so
// that finite differences can check the backward passes.
type Surrogate[F Float] struct {
	Lens   F
	Smooth F
}

// Rect returns the paper's rectangular surrogate of half-width lens.
func Rect[F Float](lens F) Surrogate[F] { return Surrogate[F]{Lens: lens} }

// Spike is the forward spike function.
func (s Surrogate[F]) Spike(x F) F {
	if s.Smooth > 0 {
		return F(1 / (1 + math.Exp(-float64(s.Smooth*x))))
	}
	if x > 0 {
		return 1
	}
	return 0
}

// Grad is the derivative used for Spike in backward.
func (s Surrogate[F]) Grad(x F) F {
	if s.Smooth > 0 {
		y := 1 / (1 + math.Exp(-float64(s.Smooth*x)))
		return F(float64(s.Smooth) * y * (1 - y))
	}
	if x < s.Lens && x > -s.Lens {
		return 1
	}
	return 0
}
