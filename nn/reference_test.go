package nn

import (
	"math/rand/v2"
	"testing"
)

// The rectangular surrogate is not the derivative of the step function,
// so finite differences cannot check it. These tests instead compare the
// layers' reverse-mode backward with a plain forward-mode (tangent)
// recursion written straight from the equations, one input at a time,
// applying the same surrogate rule: the two must agree to rounding.

func TestLIFRectMatchesForwardMode(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	const size, steps = 7, 8
	sg := Rect[float64](0.5)
	l := &LIF[float64]{Decay: 0.2, Theta: 0.3, Surrogate: sg}
	x := randVec(rng, size*steps, -0.2, 0.9)
	c := randVec(rng, size*steps, -1, 1)
	l.Reset(size, steps)
	for k := 0; k < steps; k++ {
		l.Forward(k, x[k*size:(k+1)*size])
	}
	dx := make([]float64, size*steps)
	for k := steps - 1; k >= 0; k-- {
		l.Backward(k, dx[k*size:(k+1)*size], c[k*size:(k+1)*size])
	}
	active := 0
	for j := range x { // perturbation direction: input j
		i, tj := j%size, j/size
		var mPrev, sPrev, dmPrev, dsPrev, dLoss float64
		for k := 0; k < steps; k++ {
			in, din := x[k*size+i], 0.0
			if k == tj {
				din = 1
			}
			m := l.Decay*mPrev*(1-sPrev) + in
			dm := l.Decay*(dmPrev*(1-sPrev)-mPrev*dsPrev) + din
			s := sg.Spike(m - l.Theta)
			ds := sg.Grad(m-l.Theta) * dm
			dLoss += c[k*size+i] * ds
			mPrev, sPrev, dmPrev, dsPrev = m, s, dm, ds
		}
		if d := dLoss - dx[j]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("input %d (step %d): reverse %g, forward mode %g", j, tj, dx[j], dLoss)
		}
		if dLoss != 0 {
			active++
		}
	}
	if active < len(x)/4 {
		t.Fatalf("only %d of %d inputs reach the loss: the test checks little", active, len(x))
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
