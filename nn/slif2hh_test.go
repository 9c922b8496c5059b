package nn

import (
	"math/rand/v2"
	"testing"
)

// The rectangular surrogate is not the derivative of the step function,
// so finite differences cannot check it. The *RectMatchesForwardMode tests instead compare the
// layers' reverse-mode backward with a plain forward-mode (tangent)
// recursion written straight from the equations, one input at a time,
// applying the same surrogate rule: the two must agree to rounding.

func TestSLIF2HHGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 1))
	const size, steps = 5, 5
	l := NewSLIF2HH("s", 0.5, 0.8, smooth, rng)
	x := randVec(rng, 3*size*steps, -0.5, 1.5)
	c := randVec(rng, 4*size*steps, -1, 1)
	in := func(x []float64, k int) [3][]float64 {
		var r [3][]float64
		for j := range r {
			r[j] = x[(3*k+j)*size : (3*k+j+1)*size]
		}
		return r
	}
	loss := func(x []float64) float64 {
		l.Reset(size, steps)
		var s float64
		for k := 0; k < steps; k++ {
			out := l.Forward(k, in(x, k))
			for j := 0; j < 4; j++ {
				s += dot(c[(4*k+j)*size:(4*k+j+1)*size], out[j])
			}
		}
		return s
	}
	backward := func() []float64 {
		dx := make([]float64, len(x))
		clear(l.Mix.Grad)
		for k := steps - 1; k >= 0; k-- {
			var ds [4][]float64
			for j := range ds {
				ds[j] = c[(4*k+j)*size : (4*k+j+1)*size]
			}
			l.Backward(k, in(dx, k), ds)
		}
		return dx
	}
	loss(x)
	dx := backward()
	checkGrad(t, "SLIF2HH dIn", loss, x, dx)
	mix := append([]float64{}, l.Mix.Value...)
	checkGrad(t, "SLIF2HH dMix", func(v []float64) float64 { copy(l.Mix.Value, v); return loss(x) }, mix, append([]float64{}, l.Mix.Grad...))
	copy(l.Mix.Value, mix)
	for k := 0; k < 3; k++ {
		if l.Mix.Value[k] < 0 {
			t.Errorf("mixing weight %d = %g, initialised negative", k, l.Mix.Value[k])
		}
	}
}

func TestSLIF2HHRectMatchesForwardMode(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	const size, steps = 5, 7
	sg := Rect[float64](0.4)
	l := NewSLIF2HH("s", 0.5, 2, sg, rng)
	x := randVec(rng, 3*size*steps, 0, 2.5)
	c := randVec(rng, 4*size*steps, -1, 1)
	l.Reset(size, steps)
	for k := 0; k < steps; k++ {
		l.Forward(k, [3][]float64{x[(3*k)*size : (3*k+1)*size], x[(3*k+1)*size : (3*k+2)*size], x[(3*k+2)*size : (3*k+3)*size]})
	}
	dx := make([]float64, len(x))
	for k := steps - 1; k >= 0; k-- {
		var ds [4][]float64
		for j := range ds {
			ds[j] = c[(4*k+j)*size : (4*k+j+1)*size]
		}
		l.Backward(k, [3][]float64{dx[(3*k)*size : (3*k+1)*size], dx[(3*k+1)*size : (3*k+2)*size], dx[(3*k+2)*size : (3*k+3)*size]}, ds)
	}
	w := l.Mix.Value
	active := 0
	for j := range x {
		i, sub, tj := j%size, (j/size)%3, j/(3*size)
		var m, s, dm, ds [4]float64
		var dLoss float64
		for k := 0; k < steps; k++ {
			var nm, ndm [4]float64
			for q := 0; q < 3; q++ {
				din := 0.0
				if k == tj && q == sub {
					din = 1
				}
				nm[q] = l.Decay*m[q]*(1-s[q]) + x[(3*k+q)*size+i]
				ndm[q] = l.Decay*(dm[q]*(1-s[q])-m[q]*ds[q]) + din
			}
			nm[3] = l.Decay*m[3]*(1-s[3]) + w[0]*m[0] + w[1]*m[1] + w[2]*m[2] + w[3]
			ndm[3] = l.Decay*(dm[3]*(1-s[3])-m[3]*ds[3]) + w[0]*dm[0] + w[1]*dm[1] + w[2]*dm[2]
			for q := 0; q < 4; q++ {
				m[q], dm[q] = nm[q], ndm[q]
				s[q] = sg.Spike(m[q] - l.Theta)
				ds[q] = sg.Grad(m[q]-l.Theta) * dm[q]
				dLoss += c[(4*k+q)*size+i] * ds[q]
			}
		}
		if d := dLoss - dx[j]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("input %d: reverse %g, forward mode %g", j, dx[j], dLoss)
		}
		if dLoss != 0 {
			active++
		}
	}
	if active < len(x)/4 {
		t.Fatalf("only %d of %d inputs reach the loss", active, len(x))
	}
}
