package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/tensor"

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

func TestLinearGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const batch, in, out = 3, 4, 5
	l := NewLinear[float64]("l", in, out, rng)
	x := randVec(rng, batch*in, -1, 1)
	c := randVec(rng, batch*out, -1, 1)
	y := make([]float64, batch*out)
	loss := func() float64 { l.Forward(y, x, batch); return dot(c, y) }
	dx := make([]float64, batch*in)
	loss()
	l.Backward(dx, c, x, batch)
	for _, p := range []struct {
		name string
		v, g []float64
	}{{"x", x, dx}, {"W", l.W.Value, l.W.Grad}, {"b", l.B.Value, l.B.Grad}} {
		orig := append([]float64{}, p.v...)
		checkGrad(t, "Linear d"+p.name, func(v []float64) float64 { copy(p.v, v); return loss() }, orig, p.g)
		copy(p.v, orig)
	}
}

// TestLinearSparse: the sparse forms give the dense forms' outputs and
// gradients, in float64 (where the sums agree to rounding) and float32
// (the AVX2 kernel where the CPU has it).
func TestLinearSparse(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testLinearSparse[float64](t, 1e-13) })
	t.Run("float32", func(t *testing.T) { testLinearSparse[float32](t, 2e-6) })
}

func testLinearSparse[F Float](t *testing.T, tol float64) {
	rng := rand.New(rand.NewPCG(1, 9))
	const batch, in, out = 5, 70, 77
	l := NewLinear[F]("l", in, out, rng)
	x := make([]F, batch*in)
	for i := range x {
		if rng.Float64() < 0.3 {
			x[i] = F(rng.Float64())
		}
	}
	dy := make([]F, batch*out)
	for i := range dy {
		dy[i] = F(2*rng.Float64() - 1)
	}
	var xs tensor.Sparse[F]
	xs.Set(nil, x, batch, in)
	y, ys := make([]F, batch*out), make([]F, batch*out)
	l.Forward(y, x, batch)
	l.ForwardSparse(ys, &xs)
	l.Backward(nil, dy, x, batch)
	dW, dB := slices.Clone(l.W.Grad), slices.Clone(l.B.Grad)
	ZeroGrads(l.Params())
	l.BackwardSparse(dy, &xs)
	for _, c := range []struct {
		name      string
		got, want []F
	}{{"y", ys, y}, {"dW", l.W.Grad, dW}, {"dB", l.B.Grad, dB}} {
		for i := range c.want {
			if d := math.Abs(float64(c.got[i] - c.want[i])); d > tol*(1+math.Abs(float64(c.want[i]))) {
				t.Fatalf("%s[%d] = %v sparse, %v dense", c.name, i, c.got[i], c.want[i])
			}
		}
	}
	if slices.Equal(l.W.Grad, make([]F, len(dW))) {
		t.Fatal("zero weight gradient: the check checks nothing")
	}
}

// smooth is the stand-in spike function of the checks: a sigmoid of slope 4.
var smooth = Surrogate[float64]{Smooth: 4}

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

func TestHHGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	const perSample, batch, steps = 4, 2, 6
	size := perSample * batch
	// Large rate coefficients make the gates (and so the leak) move.
	l := NewHH(perSample, 0.1, 2, smooth, rng)
	for k := range l.Coef {
		for i := range l.Coef[k] {
			l.Coef[k][i] = 0.5 + rng.Float64()
		}
	}
	x := randVec(rng, size*steps, 0, 30)
	c := randVec(rng, size*steps, -1, 1)
	loss := func(x []float64) float64 {
		l.Reset(size, perSample, steps)
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
	checkGrad(t, "HH dIn", loss, x, dx)

	// With detached currents the membrane gradient passes unchanged:
	// dIn_t = Dt·Σ_{u ≥ t} c_u·Spike′(v_u − θ).
	l.DetachCurrents = true
	loss(x)
	dd := make([]float64, size*steps)
	for k := steps - 1; k >= 0; k-- {
		l.Backward(k, dd[k*size:(k+1)*size], c[k*size:(k+1)*size])
	}
	for i := 0; i < size; i++ {
		var acc float64
		for k := steps - 1; k >= 0; k-- {
			acc += c[k*size+i] * smooth.Grad(l.v[k][i]-l.Theta)
			if want := l.Dt * acc; math.Abs(dd[k*size+i]-want) > 1e-12 {
				t.Fatalf("detached dIn[%d][%d] = %g, want %g", k, i, dd[k*size+i], want)
			}
		}
	}
}

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

func TestSoftmaxCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	const batch = 4
	logits := randVec(rng, batch*10, -3, 3)
	labels := []int32{3, 0, 9, 9, 1, 5, 7, 2}
	d := make([]float64, batch*10)
	loss, _ := SoftmaxCrossEntropy(d, logits, labels, 2, batch, 10)
	checkGrad(t, "cross-entropy", func(z []float64) float64 {
		l, _ := SoftmaxCrossEntropy[float64](nil, z, labels, 2, batch, 10)
		return l
	}, logits, d)
	// Uniform logits: the loss is ln 10 and nothing is "correct" unless the label is class 0.
	u := make([]float64, 10)
	l, correct := SoftmaxCrossEntropy[float64](nil, u, []int32{4}, 1, 1, 10)
	if math.Abs(l-math.Log(10)) > 1e-15 || correct != 0 {
		t.Errorf("uniform logits: loss %v correct %d, want ln 10 and 0", l, correct)
	}
	if loss <= 0 {
		t.Errorf("loss %v", loss)
	}
}

// TestRectSurrogate pins the paper's spike function and surrogate:
// strict threshold, rectangular window open at both ends.
func TestRectSurrogate(t *testing.T) {
	s := Rect[float32](0.5)
	for _, tc := range []struct{ x, spike, grad float32 }{
		{0, 0, 1}, {1e-7, 1, 1}, {-1e-7, 0, 1}, {0.49, 1, 1}, {0.5, 1, 0}, {-0.5, 0, 0}, {-0.49, 0, 1}, {3, 1, 0},
	} {
		if s.Spike(tc.x) != tc.spike || s.Grad(tc.x) != tc.grad {
			t.Errorf("x=%v: spike %v grad %v, want %v %v", tc.x, s.Spike(tc.x), s.Grad(tc.x), tc.spike, tc.grad)
		}
	}
}

// TestAdam pins two steps against the update written out by hand
// (PyTorch's formula, weight decay added to the gradient).
func TestAdam(t *testing.T) {
	p := NewParam[float64]("p", 2)
	p.Value[0], p.Value[1] = 1, -2
	a := NewAdam([]*Param[float64]{p}, 0.1)
	grads := [][2]float64{{0.5, 0.25}, {-1, 0.5}}
	w := [2]float64{1, -2}
	var m, v [2]float64
	for k, g := range grads {
		p.Grad[0], p.Grad[1] = g[0], g[1]
		a.Step([]*Param[float64]{p}, 0.01)
		step := float64(k + 1)
		for i := range w {
			gi := g[i] + 0.1*w[i]
			m[i] = 0.9*m[i] + 0.1*gi
			v[i] = 0.999*v[i] + 0.001*gi*gi
			mh := m[i] / (1 - math.Pow(0.9, step))
			vh := v[i] / (1 - math.Pow(0.999, step))
			w[i] -= 0.01 * mh / (math.Sqrt(vh) + 1e-8)
			if math.Abs(p.Value[i]-w[i]) > 1e-14 {
				t.Fatalf("step %d param %d: %.17g, want %.17g", k+1, i, p.Value[i], w[i])
			}
		}
		if p.Grad[0] != 0 || p.Grad[1] != 0 {
			t.Fatal("Step did not zero the gradient")
		}
	}
}

func TestMultiStepLR(t *testing.T) {
	s := MultiStepLR{Base: 1e-4, Gamma: 0.1, Milestones: []int{10, 20, 30}}
	for _, tc := range []struct {
		epoch int
		lr    float64
	}{{0, 1e-4}, {9, 1e-4}, {10, 1e-5}, {19, 1e-5}, {20, 1e-6}, {30, 1e-7}, {39, 1e-7}} {
		if got := s.At(tc.epoch); math.Abs(got-tc.lr) > 1e-20 {
			t.Errorf("epoch %d: lr %g, want %g", tc.epoch, got, tc.lr)
		}
	}
}
