package nn

import (
	"fmt"
	"math"
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

func closeTo(a, b []float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*max(1, math.Abs(b[i])) {
			return false
		}
	}
	return true
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
	lifStatic32(0.2, 0.3, 0.5, steps, x, c2, k2)
	if !slices.Equal(c1, c2) || !slices.Equal(k1, k2) {
		t.Errorf("LIF float32 kernel differs from the generic code")
	}
	lifStatic32Scalar(0.2, 0.3, 0.5, steps, x, c2, k2)
	if !slices.Equal(c1, c2) || !slices.Equal(k1, k2) {
		t.Errorf("LIF scalar float32 kernel differs from the generic code")
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
			hhStatic32(&kern, j0, seg, a2, b2)
			if !slices.Equal(a1, a2) || !slices.Equal(b1, b2) {
				t.Errorf("HH float32 kernel (detach %v, from neuron %d) differs from the generic code", detach, j0)
			}
			if slices.Max(a1) == 0 {
				t.Errorf("HH: no spikes, the comparison checks little")
			}
		}
	}
}

// TestAdamKernelMatchesGeneric: the float32 Adam kernel (AVX2 assembly on
// amd64) gives the generic update's bits.
func TestAdamKernelMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 1))
	const n = 1003
	mk := func() []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	val, grad, m, v := mk(), mk(), mk(), mk()
	for i := range v {
		v[i] *= v[i]
	}
	// eps large enough to change every update's bits.
	k := adamKernel[float32]{b1: 0.9, b2: 0.999, wd: 1e-5, stepSize: 1e-3, sqrtBC2: 0.03, eps: 0.25}
	val2, grad2, m2, v2 := slices.Clone(val), slices.Clone(grad), slices.Clone(m), slices.Clone(v)
	k.update(val, grad, m, v)
	adam32(&k, val2, grad2, m2, v2)
	if !slices.Equal(val, val2) || !slices.Equal(m, m2) || !slices.Equal(v, v2) || !slices.Equal(grad, grad2) {
		t.Error("float32 Adam kernel differs from the generic update")
	}
}

// TestSLIF2HHFast32MatchesPerStep: the float32 static s-LIF2HH (assembly
// kernels on amd64) agrees with the float32 per-step form (also assembly):
// same counts and input gradients, mixing gradient to float32 rounding.
func TestSLIF2HHFast32MatchesPerStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 1))
	const w, batch, steps = 36, 3, 15 // 36 = 4·8 + 4: vector and scalar units
	sg := Rect[float32](0.4)
	sl := NewSLIF2HH("s", float32(0.5), 2, sg, rng)
	n := batch * w
	xs, gs := make([]float32, 3*n), make([]float32, 4*n)
	for i := range xs {
		xs[i] = float32(rng.Float64() * 2.5)
	}
	for i := range gs {
		gs[i] = float32(rng.Float64()*2 - 1)
	}
	unitsOf := func(v []float32, k, parts int) []float32 {
		out := make([]float32, n)
		for b := 0; b < batch; b++ {
			copy(out[b*w:], v[(b*parts+k)*w:(b*parts+k+1)*w])
		}
		return out
	}
	sl.Reset(n, steps)
	want := make([]float32, 4*n)
	for s := 0; s < steps; s++ {
		out := sl.Forward(s, [3][]float32{unitsOf(xs, 0, 3), unitsOf(xs, 1, 3), unitsOf(xs, 2, 3)})
		for q := 0; q < 4; q++ {
			for b := 0; b < batch; b++ {
				for j := 0; j < w; j++ {
					want[(b*4+q)*w+j] += out[q][b*w+j]
				}
			}
		}
	}
	d3 := [3][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
	clear(sl.Mix.Grad)
	for s := steps - 1; s >= 0; s-- {
		sl.Backward(s, d3, [4][]float32{unitsOf(gs, 0, 4), unitsOf(gs, 1, 4), unitsOf(gs, 2, 4), unitsOf(gs, 3, 4)})
	}
	wantMix := slices.Clone(sl.Mix.Grad)
	clear(sl.Mix.Grad)
	pool := tensor.NewPool(2)
	defer pool.Close()
	cs, ds := make([]float32, 4*n), make([]float32, 3*n)
	sl.ForwardStatic(pool, cs, xs, w)
	sl.BackwardStatic(pool, ds, gs)
	if !slices.Equal(cs, want) {
		t.Fatal("counts differ")
	}
	for b := 0; b < batch; b++ {
		for k := 0; k < 3; k++ {
			for j := 0; j < w; j++ {
				got, exp := ds[(b*3+k)*w+j], d3[k][b*w+j]
				if math.Abs(float64(got-exp)) > 1e-5*max(1, math.Abs(float64(exp))) {
					t.Fatalf("input gradient b%d k%d j%d: %v, want %v", b, k, j, got, exp)
				}
			}
		}
	}
	for q := range wantMix {
		if math.Abs(float64(sl.Mix.Grad[q]-wantMix[q])) > 1e-4*max(1, math.Abs(float64(wantMix[q]))) {
			t.Errorf("mixing gradient %d: %v, want %v", q, sl.Mix.Grad[q], wantMix[q])
		}
	}
	if slices.Max(cs) == 0 {
		t.Error("no spikes: the comparison checks little")
	}
}

// TestLIFStepKernels: the float32 per-step kernels (AVX2 under
// GOEXPERIMENT=simd) give the generic per-step LIF's bits.
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

// TestSLIF2HHKernelsMatchFloat64: the float32 s-LIF2HH kernels (assembly
// on amd64, static and per-step forms) agree with the float64 generic code
// — the specification the kernels implement — on spike counts exactly and
// on the input and mixing gradients to float32 rounding. Inputs are drawn
// so that no membrane comes within 1e-3 of the threshold or of the
// surrogate window's edges, where float32 and float64 may rightly decide
// differently.
func TestSLIF2HHKernelsMatchFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 7))
	const w, batch, steps, decay, theta, lens = 20, 3, 15, 0.5, 2.0, 0.4 // LIF_hh_fc's constants
	n := batch * w
	ref := NewSLIF2HH("s", float64(decay), theta, Rect[float64](lens), rng)
	in64 := [3][]float64{make([]float64, n), make([]float64, n), make([]float64, n)}
	g64 := [4][]float64{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	draw := func(i int) {
		for k := range in64 {
			in64[k][i] = float64(float32(rng.Float64() * 2))
		}
		for q := range g64 {
			g64[q][i] = float64(float32(rng.Float64()*2 - 1))
		}
	}
	for i := 0; i < n; i++ {
		draw(i)
	}
	for k := range ref.Mix.Value {
		ref.Mix.Value[k] = float64(float32(ref.Mix.Value[k]))
	}
	counts := make([]float64, 4*n)
	for round := 0; ; round++ {
		ref.Reset(n, steps)
		clear(counts)
		bad := map[int]bool{}
		for s := 0; s < steps; s++ {
			out := ref.Forward(s, in64)
			for q := 0; q < 4; q++ {
				for i := 0; i < n; i++ {
					counts[q*n+i] += out[q][i]
					m := ref.mem[q][s][i]
					for _, edge := range []float64{theta, theta - lens, theta + lens} {
						if math.Abs(m-edge) < 1e-3 {
							bad[i] = true
						}
					}
				}
			}
		}
		if len(bad) == 0 {
			break
		}
		if round == 50 {
			t.Fatalf("could not draw inputs away from the thresholds (%d units near one)", len(bad))
		}
		for i := range bad {
			draw(i)
		}
	}
	din64 := [3][]float64{make([]float64, n), make([]float64, n), make([]float64, n)}
	clear(ref.Mix.Grad)
	for s := steps - 1; s >= 0; s-- {
		ref.Backward(s, din64, g64)
	}

	// The float32 layer on the same values: per-step, then static (whose
	// layout is [batch][sub-neuron][unit]).
	fast := NewSLIF2HH("s", float32(decay), float32(theta), Rect[float32](lens), rng)
	for k := range fast.Mix.Value {
		fast.Mix.Value[k] = float32(ref.Mix.Value[k])
	}
	to32 := func(v []float64) []float32 {
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(x)
		}
		return out
	}
	in32 := [3][]float32{to32(in64[0]), to32(in64[1]), to32(in64[2])}
	g32 := [4][]float32{to32(g64[0]), to32(g64[1]), to32(g64[2]), to32(g64[3])}
	checkClose := func(form, what string, got float32, want float64, tol float64) {
		t.Helper()
		if math.Abs(float64(got)-want) > tol*max(1, math.Abs(want)) {
			t.Fatalf("%s: %s %v, float64 %v", form, what, got, want)
		}
	}
	fast.Reset(n, steps)
	perStep := make([]float32, 4*n)
	for s := 0; s < steps; s++ {
		out := fast.Forward(s, in32)
		for q := 0; q < 4; q++ {
			for i := 0; i < n; i++ {
				perStep[q*n+i] += out[q][i]
			}
		}
	}
	for i, c := range counts {
		if float64(perStep[i]) != c {
			t.Fatalf("per-step: count %d is %v, float64 %v", i, perStep[i], c)
		}
	}
	din32 := [3][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
	clear(fast.Mix.Grad)
	for s := steps - 1; s >= 0; s-- {
		fast.Backward(s, din32, g32)
	}
	for k := range din32 {
		for i := range din32[k] {
			checkClose("per-step", fmt.Sprintf("input gradient k%d unit %d", k, i), din32[k][i], din64[k][i], 1e-4)
		}
	}
	for q := range fast.Mix.Grad {
		checkClose("per-step", fmt.Sprintf("mixing gradient %d", q), fast.Mix.Grad[q], ref.Mix.Grad[q], 1e-4)
	}

	xs, gs := make([]float32, 3*n), make([]float32, 4*n)
	for b := 0; b < batch; b++ {
		for k := 0; k < 3; k++ {
			copy(xs[(b*3+k)*w:(b*3+k+1)*w], in32[k][b*w:(b+1)*w])
		}
		for q := 0; q < 4; q++ {
			copy(gs[(b*4+q)*w:(b*4+q+1)*w], g32[q][b*w:(b+1)*w])
		}
	}
	pool := tensor.NewPool(2)
	defer pool.Close()
	cs, ds := make([]float32, 4*n), make([]float32, 3*n)
	clear(fast.Mix.Grad)
	fast.ForwardStatic(pool, cs, xs, w)
	fast.BackwardStatic(pool, ds, gs)
	for b := 0; b < batch; b++ {
		for j := 0; j < w; j++ {
			i := b*w + j
			for q := 0; q < 4; q++ {
				if float64(cs[(b*4+q)*w+j]) != counts[q*n+i] {
					t.Fatalf("static: count of sub-neuron %d unit %d is %v, float64 %v", q, i, cs[(b*4+q)*w+j], counts[q*n+i])
				}
			}
			for k := 0; k < 3; k++ {
				checkClose("static", fmt.Sprintf("input gradient k%d unit %d", k, i), ds[(b*3+k)*w+j], din64[k][i], 1e-4)
			}
		}
	}
	for q := range fast.Mix.Grad {
		checkClose("static", fmt.Sprintf("mixing gradient %d", q), fast.Mix.Grad[q], ref.Mix.Grad[q], 1e-4)
	}
	if slices.Max(counts) == 0 || slices.Min(counts) == float64(steps) {
		t.Error("the spike counts do not vary: the comparison checks little")
	}
}
