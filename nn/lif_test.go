package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// The rectangular surrogate is not the derivative of the step function,
// so finite differences cannot check it. The *RectMatchesForwardMode tests instead compare the
// layers' reverse-mode backward with a plain forward-mode (tangent)
// recursion written straight from the equations, one input at a time,
// applying the same surrogate rule: the two must agree to rounding.

func TestLIFGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	const size, steps = 6, 5
	l := &LIF[float64]{Decay: 0.6, Theta: 0.3, Surrogate: smooth}
	x := randVec(rng, size*steps, -0.5, 1.5)
	c := randVec(rng, size*steps, -1, 1)
	loss := func(x []float64) float64 {
		l.Reset(size, steps)
		var s float64
		for k := 0; k < steps; k++ {
			s += dot(c[k*size:(k+1)*size], l.Forward(k, x[k*size:(k+1)*size]))
		}
		return s
	}
	loss(x)
	dx := make([]float64, size*steps)
	for k := steps - 1; k >= 0; k-- {
		l.Backward(k, dx[k*size:(k+1)*size], c[k*size:(k+1)*size])
	}
	checkGrad(t, "LIF dIn", loss, x, dx)
}

// TestLIFStepFloat32: the float32 per-step LIF backward (assembly on
// amd64), which carries one membrane gradient between steps,
// gives the bits of the two-carry recursion (membrane and spike) stepped
// in float32.
func TestLIFStepFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 1))
	const n, steps = 43, 9 // 40 in vectors + 3 scalar
	l := &LIF[float32]{Decay: 0.2, Theta: 0.3, Surrogate: Rect[float32](0.5)}
	l.Reset(n, steps)
	var xs, gs [][]float32
	for s := range steps {
		xs = append(xs, to32(randVec(rng, n, -0.3, 1)))
		gs = append(gs, to32(randVec(rng, n, -1, 1)))
		if s == 0 {
			for i := 0; i < n; i += 5 {
				xs[0][i], xs[0][i+1] = 0.8, 0.3 // m − θ = lens (the window's edge); m = θ
			}
		}
		l.Forward(s, xs[s])
	}
	dIn := make([]float32, n)
	for s := steps - 1; s >= 0; s-- {
		l.Backward(s, dIn, gs[s])
	}
	mem := make([][]float32, steps)
	m := make([]float32, n)
	for s := range steps {
		for i := range m {
			m[i] = l.Decay*m[i]*(1-above(m[i], l.Theta)) + xs[s][i]
		}
		mem[s] = slices.Clone(m)
	}
	want := make([]float32, n)
	cMem, cSpk := make([]float32, n), make([]float32, n)
	for s := steps - 1; s >= 0; s-- {
		for i := range want {
			dm := cMem[i] + (gs[s][i]+cSpk[i])*within(mem[s][i]-l.Theta, 0.5)
			want[i] += dm
			if s > 0 {
				pm := mem[s-1][i]
				cMem[i] = dm * l.Decay * (1 - above(pm, l.Theta))
				cSpk[i] = -dm * l.Decay * pm
			}
		}
	}
	if !slices.Equal(dIn, want) {
		t.Fatalf("input gradients differ:\n%v\n%v", dIn[:5], want[:5])
	}
}

// TestLIFStepKernels: the float32 per-step kernels (AVX2 assembly on
// amd64) give the generic per-step LIF's bits.
func TestLIFStepKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 1))
	const n, steps = 203, 6
	in := make([][]float32, steps)
	for k := range in {
		in[k] = make([]float32, n)
		for i := range in[k] {
			in[k][i] = float32(rng.Float64()*1.4 - 0.3)
		}
		in[k][k] = 0.3 // exactly on the threshold at some step
	}
	g := make([]float32, n)
	for i := range g {
		g[i] = float32(rng.NormFloat64())
	}
	// Generic reference: float32 arithmetic with branches, spikes stored.
	const d, th, lens = float32(0.2), float32(0.3), float32(0.5)
	mem, spk := make([][]float32, steps), make([][]float32, steps)
	pm, ps := make([]float32, n), make([]float32, n)
	for k := 0; k < steps; k++ {
		mem[k], spk[k] = make([]float32, n), make([]float32, n)
		for i := range mem[k] {
			m := d*pm[i]*(1-ps[i]) + in[k][i]
			mem[k][i] = m
			if m > th {
				spk[k][i] = 1
			}
		}
		pm, ps = mem[k], spk[k]
	}
	l := &LIF[float32]{Decay: d, Theta: th, Surrogate: Rect(lens), Pool: tensor.NewPool(2)}
	defer l.Pool.Close()
	l.Reset(n, steps)
	for k := 0; k < steps; k++ {
		if got := l.Forward(k, in[k]); !slices.Equal(got, spk[k]) || !slices.Equal(l.mem[k][:n], mem[k]) {
			t.Fatalf("step %d: forward differs from the reference", k)
		}
	}
	wantIn := make([]float32, n)
	cM, cS := make([]float32, n), make([]float32, n)
	for k := steps - 1; k >= 0; k-- {
		for i := 0; i < n; i++ {
			var w float32
			if x := mem[k][i] - th; x < lens && x > -lens {
				w = 1
			}
			dm := cM[i] + (g[i]+cS[i])*w
			wantIn[i] += dm
			if k > 0 {
				cM[i] = dm * d * (1 - spk[k-1][i])
				cS[i] = -dm * d * mem[k-1][i]
			}
		}
	}
	dIn := make([]float32, n)
	for k := steps - 1; k >= 0; k-- {
		l.Backward(k, dIn, g)
	}
	if !slices.Equal(dIn, wantIn) {
		t.Error("backward differs from the reference")
	}
}

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
