package vib

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/hhnet/hhnet/internal/imagelike"
	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/nn"
)

// smallNet is a float64 net small enough for finite differences, with
// smooth spikes, on mostly dark images (the sparse projection's path).
func smallNet(t *testing.T, name string) (*Net[float64], []float64, []float64, []int32, int) {
	t.Helper()
	enc, err := LookupEncoder(name)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const in, batch, k = 9, 3, 4
	smooth := 3.0
	if enc.Unit == models.HHvUnit {
		smooth = 0.2 // per mV: HHv's voltages span some 100 mV
	}
	n := NewNet[float64](enc, Shape{In: in, Width: 5, K: k, Steps: 4, Smooth: smooth}, rng)
	x := make([]float64, batch*in)
	for i := range x {
		if rng.Float64() < 0.5 {
			x[i] = 2 * rng.Float64()
		}
	}
	if name == "HH" {
		// dt = 0.01: lift the drive so the membranes reach the threshold.
		for i := range n.proj.W.Value {
			n.proj.W.Value[i] *= 100
		}
	}
	// Scales away from σ's floor, so the KL term matters.
	for i := range n.stats.B.Value[k:] {
		n.stats.B.Value[k+i] += 4
	}
	eps := make([]float64, batch*k)
	for i := range eps {
		eps[i] = rng.NormFloat64()
	}
	return n, x, eps, []int32{1, 7, 4, 4, 9, 0}, batch
}

// TestNetGradients checks the whole objective — reparameterised sample and
// KL term included — against central differences for every encoder, with
// and without the bottleneck term.
func TestNetGradients(t *testing.T) {
	for _, name := range EncoderNames() {
		for _, beta := range []float64{0, 0.3} {
			n, x, eps, labels, batch := smallNet(t, name)
			loss := func() float64 {
				n.Encode(x, batch)
				n.Sample(eps)
				return n.Evaluate(labels).Bits(beta)
			}
			nn.ZeroGrads(n.Params())
			n.Encode(x, batch)
			n.Sample(eps)
			n.Backward(labels, beta)
			for _, p := range n.Params() {
				analytic := slices.Clone(p.Grad)
				orig := slices.Clone(p.Value)
				num := fd.Gradient(nil, func(v []float64) float64 {
					copy(p.Value, v)
					return loss()
				}, orig, &fd.Settings{Formula: fd.Central, Step: 1e-6})
				copy(p.Value, orig)
				var d, m float64
				for i := range num {
					d = max(d, math.Abs(num[i]-analytic[i]))
					m = max(m, math.Abs(num[i]))
				}
				if m == 0 {
					t.Errorf("%s β=%v %s: zero gradient, the check checks nothing", name, beta, p.Name)
					continue
				}
				if d/m > 1e-6 {
					t.Errorf("%s β=%v %s: relative error %.3g", name, beta, p.Name, d/m)
				}
			}
		}
	}
}

// TestFloat32MatchesFloat64: the float32 net — its own paths for the KL
// rows, the statistics' gradient and the heads — gives the float64 net's
// loss and gradients to float32 rounding, on the same (rounded) weights,
// inputs and draws, with smooth spikes.
func TestFloat32MatchesFloat64(t *testing.T) {
	enc, _ := LookupEncoder("LIF")
	shape := Shape{In: 40, Width: 24, K: 20, Steps: 4, Smooth: 3}
	n64 := NewNet[float64](enc, shape, rand.New(rand.NewPCG(8, 9)))
	n32 := NewNet[float32](enc, shape, rand.New(rand.NewPCG(8, 9)))
	for i, p := range n64.Params() {
		for j, v := range p.Value {
			n32.Params()[i].Value[j] = float32(v)
			p.Value[j] = float64(float32(v))
		}
	}
	for i := range n64.stats.B.Value[shape.K:] { // scales away from σ's floor
		n64.stats.B.Value[shape.K+i] += 4
		n32.stats.B.Value[shape.K+i] += 4
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 6
	x64, x32 := make([]float64, batch*shape.In), make([]float32, batch*shape.In)
	for i := range x64 {
		x32[i] = float32(2 * rng.Float64())
		x64[i] = float64(x32[i])
	}
	e64, e32 := make([]float64, batch*shape.K), make([]float32, batch*shape.K)
	for i := range e64 {
		e32[i] = float32(rng.NormFloat64())
		e64[i] = float64(e32[i])
	}
	labels := []int32{1, 7, 4, 4, 9, 0, 2, 3, 5, 6, 8, 1}
	const beta = 0.3
	n64.Encode(x64, batch)
	n64.Sample(e64)
	l64 := n64.Backward(labels, beta)
	n32.Encode(x32, batch)
	n32.Sample(e32)
	l32 := n32.Backward(labels, beta)
	if d := math.Abs(l32.Bits(beta) - l64.Bits(beta)); d > 1e-5*math.Abs(l64.Bits(beta)) {
		t.Errorf("loss %v bits in float32, %v in float64", l32.Bits(beta), l64.Bits(beta))
	}
	for i, p := range n64.Params() {
		g32 := n32.Params()[i].Grad
		var d, m float64
		for j, g := range p.Grad {
			d = max(d, math.Abs(float64(g32[j])-g))
			m = max(m, math.Abs(g))
		}
		if m == 0 || d > 1e-4*m {
			t.Errorf("%s: float32 gradient off by %.3g of its largest value %.3g", p.Name, d/m, m)
		}
	}
}

// TestKLClosedForm: for hand-made μ and σ the KL term is
// ½ Σ (μ² + σ² − 1) − Σ ln σ, averaged over the batch.
func TestKLClosedForm(t *testing.T) {
	n, x, _, _, batch := smallNet(t, "LIF")
	n.Encode(x, batch)
	k := n.K()
	var want float64
	for b := 0; b < batch; b++ {
		for j := 0; j < k; j++ {
			mu := 0.5*float64(b) - 0.25*float64(j)
			sigma := 0.2 + 0.3*float64(j)
			n.st[b*2*k+j] = mu
			// σ = softplus(s − 5) ⇔ s = 5 + ln(e^σ − 1).
			n.st[b*2*k+k+j] = 5 + math.Log(math.Expm1(sigma))
			want += 0.5*(mu*mu+sigma*sigma-1) - math.Log(sigma)
		}
	}
	want /= float64(batch)
	n.scales()
	if got := n.KL(); math.Abs(got-want) > 1e-12 {
		t.Errorf("KL = %v, closed form %v", got, want)
	}
	// μ = 0, σ = 1 everywhere: no information, KL 0.
	for b := 0; b < batch; b++ {
		for j := 0; j < k; j++ {
			n.st[b*2*k+j], n.st[b*2*k+k+j] = 0, 5+math.Log(math.Expm1(1))
		}
	}
	n.scales()
	if got := n.KL(); math.Abs(got) > 1e-12 {
		t.Errorf("KL of the prior itself = %v", got)
	}
}

// TestLogSum: the running-product sum of logarithms against the sum of
// math.Log term by term, through factors that would under- or overflow a
// plain product (σ ranges from e⁻⁷⁰⁰ to 1e300 in principle).
func TestLogSum(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
	}{
		{"ones", []float64{1, 1, 1}},
		{"typical", []float64{0.0067, 0.5, 1.3, 0.02, 2.5e-3}},
		{"tiny factors", []float64{1e-200, 1e-200, 1e-200, 3e-300, 5e-324}},
		{"huge factors", []float64{1e200, 1e200, 1e200, 1e300}},
		{"mixed", []float64{1e-300, 1e300, 1e-160, 7, 1e160, 1e-310}},
		{"many small", slices.Repeat([]float64{1e-7}, 512)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l logSum
			l.reset()
			var want float64
			for _, x := range tc.xs {
				l.add(x)
				want += math.Log(x)
			}
			if got := l.total(); math.Abs(got-want) > 1e-13*max(1, math.Abs(want)) {
				t.Errorf("Σ ln x = %v, want %v", got, want)
			}
		})
	}
}

// TestKLRow32: the float32 rows' KL term, a product whose exponent is
// moved aside every four factors, against the sum term by term, through
// σ from float32's smallest subnormal to its largest value, rows whose
// length is no multiple of four, and the σ of zero, infinity and NaN
// that must reach the KL (+Inf, NaN, NaN: ∞ − ∞) rather than be normalised away.
func TestKLRow32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	random := func(n int, lo, hi float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(math.Exp(lo + (hi-lo)*rng.Float64()))
		}
		return v
	}
	mus := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		sigma []float32
	}{
		{"typical", random(256, math.Log(1e-3), math.Log(3))},
		{"tiny", random(256, -103, -80)}, // down to float32 subnormals
		{"huge", random(256, 80, 88)},
		{"both ends", append(random(130, -103, -90), random(126, 85, 88)...)},
		{"smallest subnormal", slices.Repeat([]float32{math.SmallestNonzeroFloat32}, 9)},
		{"largest", slices.Repeat([]float32{math.MaxFloat32}, 7)},
		{"length 3", []float32{0.5, 2, 1e-30}},
		{"length 1", []float32{0.25}},
		{"empty", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu := mus(len(tc.sigma))
			want, got := klRowSlow(mu, tc.sigma), klRow32(mu, tc.sigma)
			if math.Abs(got-want) > 1e-12*max(1, math.Abs(want)) {
				t.Errorf("KL = %v, term by term %v", got, want)
			}
		})
	}
	for _, tc := range []struct {
		bad  float32
		want float64
	}{{0, math.Inf(1)}, {float32(math.Inf(1)), math.NaN()}, {float32(math.NaN()), math.NaN()}} {
		for _, at := range []int{0, 5, 255} {
			sigma := random(256, -3, 1)
			sigma[at] = tc.bad
			got := klRow32(mus(256), sigma)
			if !(got == tc.want || math.IsNaN(tc.want) && math.IsNaN(got)) {
				t.Errorf("σ %v at %d: KL = %v, want %v", tc.bad, at, got, tc.want)
			}
		}
	}
}

// TestHHvEncoderActivity checks the HHv encoder's initial gain: on
// image-like inputs 20–80 % of its neurons fire during the window.
func TestHHvEncoderActivity(t *testing.T) {
	enc, _ := LookupEncoder("HHv")
	n := NewNet[float32](enc, Shape{}, rand.New(rand.NewPCG(2, 0x766962)))
	x, _ := imagelike.Batch(8)
	n.Encode(x, 8)
	fired := 0
	for _, r := range n.rate {
		if r > 0 {
			fired++
		}
	}
	f := float64(fired) / float64(len(n.rate))
	if f < 0.2 || f > 0.8 {
		t.Errorf("%.0f %% of the HHv encoder's neurons fire at the initial gain, want 20–80 %%", 100*f)
	}
	t.Logf("%.0f %% fire", 100*f)
}

// TestSampleDraws: each draw of SampleDraws gives the logits Sample gives
// for its ε, to the bit, for every encoder.
func TestSampleDraws(t *testing.T) {
	for _, name := range EncoderNames() {
		n, x, _, _, batch := smallNet(t, name)
		n.Encode(x, batch)
		const draws = 3
		rng := rand.New(rand.NewPCG(5, 6))
		eps := make([]float64, draws*batch*n.K())
		for i := range eps {
			eps[i] = rng.NormFloat64()
		}
		all1, all2 := n.SampleDraws(eps, draws)
		all1, all2 = slices.Clone(all1), slices.Clone(all2)
		for d := 0; d < draws; d++ {
			o1, o2 := n.Sample(eps[d*batch*n.K() : (d+1)*batch*n.K()])
			rows := all1[d*batch*10 : (d+1)*batch*10]
			if !slices.Equal(o1, rows) || !slices.Equal(o2, all2[d*batch*10:(d+1)*batch*10]) {
				t.Errorf("%s, draw %d: SampleDraws %v, Sample %v", name, d, rows, o1)
			}
		}
	}
}
