package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// perStepLIF runs the per-step form over steps with the constant input x
// and the same spike gradient g at every step: counts and input gradient.
func perStepLIF(l *LIF[float64], x, g []float64, steps int) (count, dIn []float64) {
	n := len(x)
	l.Reset(n, steps)
	count = make([]float64, n)
	for t := 0; t < steps; t++ {
		for i, s := range l.Forward(t, x) {
			count[i] += s
		}
	}
	dIn = make([]float64, n)
	for t := steps - 1; t >= 0; t-- {
		l.Backward(t, dIn, g)
	}
	return count, dIn
}

// TestStaticMatchesPerStep: the static forms (forward-mode K for LIF and
// HH, reverse mode for s-LIF2HH) give the counts and gradients of the
// per-step forms, with the paper's surrogate and a smooth one.
func TestStaticMatchesPerStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	pool := tensor.NewPool(3)
	defer pool.Close()
	for _, sg := range []Surrogate[float64]{Rect(0.5), {Smooth: 3}} {
		const n, steps = 200, 15
		x := randVec(rng, n, -0.5, 1.5)
		g := randVec(rng, n, -1, 1)

		l := &LIF[float64]{Decay: 0.2, Theta: 0.3, Surrogate: sg}
		wantC, wantD := perStepLIF(l, x, g, steps)
		count, dIn := make([]float64, n), make([]float64, n)
		l.Reset(n, steps)
		l.ForwardStatic(pool, count, x)
		l.BackwardStatic(dIn, g)
		if !slices.Equal(count, wantC) || !closeTo(dIn, wantD, 1e-12) {
			t.Errorf("LIF %+v: static and per-step differ", sg)
		}

		const per = 40 // neurons per sample: 5 samples
		h := NewHH(per, 0.5, 5, sg, rng)
		for k := range h.Coef {
			for i := range h.Coef[k] {
				h.Coef[k][i] = rng.Float64()
			}
		}
		xh := randVec(rng, n, 0, 40)
		for _, detach := range []bool{false, true} {
			h.DetachCurrents = detach
			h.Reset(n, per, steps)
			wantC, wantD := make([]float64, n), make([]float64, n)
			for s := 0; s < steps; s++ {
				for i, v := range h.Forward(s, xh) {
					wantC[i] += v
				}
			}
			for s := steps - 1; s >= 0; s-- {
				h.Backward(s, wantD, g)
			}
			h.ForwardStatic(pool, count, xh)
			h.BackwardStatic(dIn, g)
			if !slices.Equal(count, wantC) || !closeTo(dIn, wantD, 1e-12) {
				t.Errorf("HH %+v detach=%v: static and per-step differ", sg, detach)
			}
			if slices.Max(wantC) == 0 {
				t.Errorf("HH %+v: no spikes, the comparison checks little", sg)
			}
		}

		// s-LIF2HH: 4 samples of 25 units, inputs [b][3][w], counts [b][4][w].
		const w, batch = 25, 4
		sl := NewSLIF2HH("s", 0.5, 2, sg, rng)
		xs := randVec(rng, batch*3*w, 0, 2.5)
		gs := randVec(rng, batch*4*w, -1, 1)
		sl.Reset(batch*w, steps)
		wantS := make([]float64, batch*4*w)
		part := func(v []float64, b, k, n int) []float64 { return v[(b*n+k)*w : (b*n+k+1)*w] }
		unitsOf := func(v []float64, k, n int) []float64 { // unit-major copy of sub-neuron k
			out := make([]float64, batch*w)
			for b := 0; b < batch; b++ {
				copy(out[b*w:], part(v, b, k, n))
			}
			return out
		}
		in3 := [3][]float64{unitsOf(xs, 0, 3), unitsOf(xs, 1, 3), unitsOf(xs, 2, 3)}
		for s := 0; s < steps; s++ {
			out := sl.Forward(s, in3)
			for q := 0; q < 4; q++ {
				for b := 0; b < batch; b++ {
					for j := 0; j < w; j++ {
						wantS[(b*4+q)*w+j] += out[q][b*w+j]
					}
				}
			}
		}
		d3 := [3][]float64{make([]float64, batch*w), make([]float64, batch*w), make([]float64, batch*w)}
		g4 := [4][]float64{unitsOf(gs, 0, 4), unitsOf(gs, 1, 4), unitsOf(gs, 2, 4), unitsOf(gs, 3, 4)}
		clear(sl.Mix.Grad)
		for s := steps - 1; s >= 0; s-- {
			sl.Backward(s, d3, g4)
		}
		wantMix := slices.Clone(sl.Mix.Grad)
		clear(sl.Mix.Grad)
		cs, ds := make([]float64, batch*4*w), make([]float64, batch*3*w)
		sl.ForwardStatic(pool, cs, xs, w)
		sl.BackwardStatic(pool, ds, gs)
		for b := 0; b < batch; b++ {
			for k := 0; k < 3; k++ {
				if !closeTo(part(ds, b, k, 3), d3[k][b*w:(b+1)*w], 1e-12) {
					t.Fatalf("s-LIF2HH %+v: input gradient of sample %d sub-neuron %d differs", sg, b, k)
				}
			}
		}
		if !slices.Equal(cs, wantS) || !closeTo(sl.Mix.Grad, wantMix, 1e-12) {
			t.Errorf("s-LIF2HH %+v: counts or mixing gradient differ: %v vs %v", sg, sl.Mix.Grad, wantMix)
		}
	}
}

// TestFastKernelsMatchGeneric: the float32 kernels (sign-bit scalar, and
// AVX2 assembly on amd64) give the generic code's bits, on inputs that put
// membranes exactly on the threshold and the window's edges.
func TestFastKernelsMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 1))
	const n, steps = 203, 15
	x := make([]float32, n)
	for i := range x {
		switch i % 5 {
		case 0:
			x[i] = 0.3 // m = θ at step 0: no spike (strict)
		case 1:
			x[i] = 0.8 // m − θ = 0.5 = lens at step 0
		default:
			x[i] = float32(rng.Float64()*1.6 - 0.4)
		}
	}
	sg := Rect[float32](0.5)
	c1, k1, c2, k2 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	lifStaticGeneric(0.2, 0.3, sg, steps, x, c1, k1)
	l := &LIF[float32]{Decay: 0.2, Theta: 0.3, Surrogate: sg}
	l.Reset(n, steps)
	(&lifStatic[float32]{l: l, in: x, count: c2, k: k2}).Range(0, n)
	if !slices.Equal(c1, c2) || !slices.Equal(k1, k2) {
		t.Errorf("LIF float32 kernel differs from the generic code")
	}

	const per = 48
	h := NewHH[float32](per, 0.1, 2, sg, rng)
	for k := range h.Coef {
		for i := range h.Coef[k] {
			h.Coef[k][i] = float32(rng.Float64())
		}
	}
	h.Reset(4*per, per, steps)
	xh := make([]float32, 4*per)
	for i := range xh {
		xh[i] = float32(rng.Float64() * 40)
	}
	for _, detach := range []bool{false, true} {
		kern := hhKernel[float32]{dt: h.Dt, th: h.Theta, sg: sg, steps: steps, stride: per, detach: detach,
			leak: flatten(nil, h.leak), drive: flatten(nil, h.drive)}
		for _, j0 := range []int{0, 5} {
			seg := xh[j0:per]
			a1, b1 := make([]float32, len(seg)), make([]float32, len(seg))
			a2, b2 := make([]float32, len(seg)), make([]float32, len(seg))
			kern.generic(j0, seg, a1, b1)
			kern.run(j0, seg, a2, b2)
			if !slices.Equal(a1, a2) || !slices.Equal(b1, b2) {
				t.Errorf("HH float32 kernel (detach %v, from neuron %d) differs from the generic code", detach, j0)
			}
			if slices.Max(a1) == 0 {
				t.Errorf("HH: no spikes, the comparison checks little")
			}
		}
	}
}
