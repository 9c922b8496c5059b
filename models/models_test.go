package models

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/hhnet/hhnet/internal/imagelike"
	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// TestParamCounts pins the trainable parameters of docs/model.md §6 and the
// frozen HH rate coefficients of §7.
func TestParamCounts(t *testing.T) {
	for _, tc := range []struct {
		name           string
		params, frozen int
	}{
		{"LIF_fc", 690734, 0}, {"HH_fc", 690734, 3072}, {"LIF_hh_fc", 2095666, 0},
		{"4LIF_fc", 2759726, 0}, {"ANN", 690734, 0},
		{"LIF_conv", 42580, 0}, {"HH_conv", 42580, 324}, {"LIF_hh_conv", 166104, 0}, {"4LIF_conv", 177910, 0}, {"CNN", 42580, 0},
	} {
		m, err := New[float32](tc.name, rand.New(rand.NewPCG(1, 1)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := nn.Count(m.Params()); got != tc.params || CountFrozen(m) != tc.frozen {
			t.Errorf("%s: %d trainable, %d frozen; want %d, %d", tc.name, got, CountFrozen(m), tc.params, tc.frozen)
		}
	}
	if _, err := New[float32]("GRU", rand.New(rand.NewPCG(1, 1)), Options{}); err == nil {
		t.Error("unknown model accepted")
	}
}

// small builds a float64 model small enough for finite differences, with
// smooth spikes; inputs are scaled so that the spiking layer is active.
func small(t *testing.T, name string) (Model[float64], []float64, []int32, int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 2))
	spec, _ := Lookup(name)
	opts, in := Options{In: 7, Width: 5, Hidden: 4, Steps: 4, Smooth: 3}, 7
	if spec.Conv {
		opts, in = Options{Side: 8, Width: 2, Hidden: 4, Steps: 3, Smooth: 3}, 64
	}
	if spec.Unit == HHvUnit {
		opts.Smooth = 0.2 // per mV: HHv's voltages span some 100 mV
	}
	m, err := New[float64](name, rng, opts)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := m.(*Conv[float64]); ok && c.hh1 != nil {
		// Finite differences see the ionic currents' gradient, which the
		// paper's conv layers drop; check the rest of the model with it
		// (nn.TestHHGradients checks the detached rule itself).
		c.hh1.DetachCurrents, c.hh2.DetachCurrents = false, false
	}
	const batch = 3
	x := make([]float64, batch*in)
	for i := range x {
		// The fc models' images are mostly dark, so that their input
		// projection takes its sparse path, as in training.
		if spec.Conv || rng.Float64() < 0.4 {
			x[i] = 2 * rng.Float64()
		}
	}
	if name == "CNN" {
		// Lift layer 2 above the ReLU's kink so its step is active.
		c := m.(*Conv[float64])
		for i := range c.conv2.B.Value {
			c.conv2.B.Value[i] += 0.6
		}
	}
	if name == "HH_conv" {
		// dt = 0.1 and small weights leave the gradients of the first
		// layers near 1e-7, below what central differences resolve
		// against rounding; larger weights make the units active.
		for _, p := range m.Params()[:4] {
			for i := range p.Value {
				p.Value[i] *= 40
			}
		}
	}
	if name == "HH_fc" {
		// Undo the ×0.01 of the initialisation so the HH membranes reach
		// the threshold in four steps of 0.01 ms.
		for _, p := range m.Params()[:1] {
			for i := range p.Value {
				p.Value[i] *= 3000
			}
		}
	}
	labels := []int32{1, 7, 4, 4, 9, 0}
	return m, x, labels, batch
}

func lossOf(m Model[float64], x []float64, labels []int32, batch int) float64 {
	o1, o2 := m.Forward(x, batch)
	l1, _ := nn.SoftmaxCrossEntropy[float64](nil, o1, labels, 2, batch, 10)
	l2, _ := nn.SoftmaxCrossEntropy[float64](nil, o2, labels[1:], 2, batch, 10)
	return l1 + l2
}

func backprop(m Model[float64], x []float64, labels []int32, batch int) {
	nn.ZeroGrads(m.Params())
	o1, o2 := m.Forward(x, batch)
	d1, d2 := make([]float64, batch*10), make([]float64, batch*10)
	nn.SoftmaxCrossEntropy(d1, o1, labels, 2, batch, 10)
	nn.SoftmaxCrossEntropy(d2, o2, labels[1:], 2, batch, 10)
	m.Backward(d1, d2)
}

// TestModelGradients checks one full BPTT unroll of each model against
// central differences (float64, smooth spikes; relative error ≤ 1e-6 on
// every parameter tensor).
func TestModelGradients(t *testing.T) {
	for _, name := range Names() {
		m, x, labels, batch := small(t, name)
		backprop(m, x, labels, batch)
		// HH_conv's gradients are small next to its loss (dt = 0.1, no
		// reset): a larger step keeps rounding below the tolerance.
		step := 1e-6
		switch {
		case name == "HH_conv":
			step = 1e-5
		case strings.HasPrefix(name, "HHv"):
			// Spikes of 100 mV: truncation error grows fast with the
			// step (1e-5 gives 2e-6), rounding below it (1e-6 gives 2e-6).
			step = 3e-6
		}
		for _, p := range m.Params() {
			step := step
			if strings.HasSuffix(p.Name, ".gain") {
				// HHv's gain is 20 and its gradient small: a step of
				// 1e-5 leaves rounding at 1e-4 of it.
				step = 1e-3
			}
			analytic := slices.Clone(p.Grad)
			orig := slices.Clone(p.Value)
			num := fd.Gradient(nil, func(v []float64) float64 {
				copy(p.Value, v)
				return lossOf(m, x, labels, batch)
			}, orig, &fd.Settings{Formula: fd.Central, Step: step})
			copy(p.Value, orig)
			var d, n float64
			for i := range num {
				d = max(d, math.Abs(num[i]-analytic[i]))
				n = max(n, math.Abs(num[i]))
			}
			if n == 0 {
				t.Errorf("%s %s: zero gradient, the check checks nothing", name, p.Name)
				continue
			}
			if d/n > 1e-6 {
				t.Errorf("%s %s: relative error %.3g", name, p.Name, d/n)
			}
		}
	}
}

// TestHHConvDetachedGradients checks HH_conv in the configuration it
// trains in — ionic currents detached in both HH layers — against central
// differences of the same model with the currents held at the values of
// the unperturbed pass, which is what detaching them means.
func TestHHConvDetachedGradients(t *testing.T) {
	m, x, labels, batch := small(t, "HH_conv")
	c := m.(*Conv[float64])
	frozen := map[[3]int]float64{}
	replay := false
	for layer, u := range []*nn.HH[float64]{c.hh1, c.hh2} {
		u.DetachCurrents = true
		u.IonicHook = func(step, i int, cur float64) float64 {
			key := [3]int{layer, step, i}
			if replay {
				v, ok := frozen[key]
				if !ok {
					t.Fatalf("layer %d step %d neuron %d: no recorded current", layer+1, step, i)
				}
				return v
			}
			frozen[key] = cur
			return cur
		}
	}
	backprop(m, x, labels, batch)
	replay = true
	for _, p := range m.Params() {
		analytic := slices.Clone(p.Grad)
		orig := slices.Clone(p.Value)
		num := fd.Gradient(nil, func(v []float64) float64 {
			copy(p.Value, v)
			return lossOf(m, x, labels, batch)
		}, orig, &fd.Settings{Formula: fd.Central, Step: 1e-5})
		copy(p.Value, orig)
		var d, n float64
		for i := range num {
			d = max(d, math.Abs(num[i]-analytic[i]))
			n = max(n, math.Abs(num[i]))
		}
		if n == 0 {
			t.Errorf("%s: zero gradient, the check checks nothing", p.Name)
			continue
		}
		if d/n > 1e-6 {
			t.Errorf("%s: relative error %.3g", p.Name, d/n)
		}
	}
	// The detached gradient is not the attached one: the check can tell.
	detached := slices.Clone(m.Params()[0].Grad)
	c.hh1.DetachCurrents, c.hh2.DetachCurrents = false, false
	c.hh1.IonicHook, c.hh2.IonicHook = nil, nil
	backprop(m, x, labels, batch)
	if slices.Equal(detached, m.Params()[0].Grad) {
		t.Error("detached and attached gradients are identical")
	}
}

// TestHoistedEqualsPerStep: projecting the static image once and taking
// one weight-gradient product of the time-summed error gives the gradients
// of projecting it again at every step (rectangular surrogate, float64).
func TestHoistedEqualsPerStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const in, width, steps, batch = 9, 6, 5, 4
	mm, _ := New[float64]("LIF_fc", rng, Options{In: in, Width: width, Hidden: 3, Steps: steps})
	m := mm.(*FC[float64])
	x := make([]float64, batch*in)
	for i := range x {
		x[i] = rng.Float64()
	}
	labels := []int32{1, 2, 3, 4, 5, 6, 7, 8}
	backprop(mm, x, labels, batch)
	hoisted := slices.Clone(m.proj.W.Grad)
	hoistedB := slices.Clone(m.proj.B.Grad)

	// Per step: project at every step, back-propagate each step's input
	// gradient through its own projection.
	nn.ZeroGrads(mm.Params())
	lif, proj := m.unit.(*lifUnit[float64]).LIF, m.proj
	lif.Reset(batch*width, steps)
	cur := make([]float64, batch*width)
	rate := make([]float64, batch*width)
	for k := 0; k < steps; k++ {
		proj.Forward(cur, x, batch)
		for i, s := range lif.Forward(k, cur) {
			rate[i] += s / steps
		}
	}
	m.rate = rate
	m.read.Forward(m.hid, rate, batch)
	m.head1.Forward(m.out1, m.hid, batch)
	m.head2.Forward(m.out2, m.hid, batch)
	d1, d2 := make([]float64, batch*10), make([]float64, batch*10)
	nn.SoftmaxCrossEntropy(d1, m.out1, labels, 2, batch, 10)
	nn.SoftmaxCrossEntropy(d2, m.out2, labels[1:], 2, batch, 10)
	m.head1.Backward(m.dHid, d1, m.hid, batch)
	m.head2.Backward(m.dH, d2, m.hid, batch)
	tensor.Add(m.dHid, m.dH)
	m.read.Backward(m.dRate, m.dHid, rate, batch)
	dSpk := make([]float64, batch*width)
	for i, g := range m.dRate {
		dSpk[i] = g / steps
	}
	dCur := make([]float64, batch*width)
	for k := steps - 1; k >= 0; k-- {
		clear(dCur)
		lif.Backward(k, dCur, dSpk)
		proj.Backward(nil, dCur, x, batch)
	}
	for i := range hoisted {
		if math.Abs(hoisted[i]-proj.W.Grad[i]) > 1e-12 {
			t.Fatalf("dW[%d]: hoisted %g, per step %g", i, hoisted[i], proj.W.Grad[i])
		}
	}
	for i := range hoistedB {
		if math.Abs(hoistedB[i]-proj.B.Grad[i]) > 1e-12 {
			t.Fatalf("db[%d]: hoisted %g, per step %g", i, hoistedB[i], proj.B.Grad[i])
		}
	}
	if slices.Max(hoisted) == 0 && slices.Min(hoisted) == 0 {
		t.Fatal("zero input gradient: no spikes in the window, the test checks nothing")
	}
}

// TestForwardDeterministic: the same seed builds the same model, which
// gives the same logits in float32.
func TestForwardDeterministic(t *testing.T) {
	x := make([]float32, 2*1296)
	for i := range x {
		x[i] = float32(i%37) / 37
	}
	for _, name := range Names() {
		var first []float32
		for run := 0; run < 2; run++ {
			m, _ := New[float32](name, rand.New(rand.NewPCG(3, 3)), Options{})
			o1, o2 := m.Forward(x, 2)
			got := append(slices.Clone(o1), o2...)
			if run == 0 {
				first = got
			} else if !slices.Equal(first, got) {
				t.Errorf("%s: same seed, different logits", name)
			}
		}
	}
}

// TestReadoutRate: the read-out's mean input is the hidden spike count
// over steps, units and images for an fc model; for the CNN it is 0 when
// the second binary stage cannot fire and 1 when it always does.
func TestReadoutRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := make([]float32, 4*36*36)
	for i := range x {
		x[i] = rng.Float32()
	}
	m, _ := New[float32]("LIF_fc", rand.New(rand.NewPCG(1, 1)), Options{})
	m.Forward(x, 4)
	if got, want := m.ReadoutRate(), m.Spikes()/(4*512*15); math.Abs(got-want) > 1e-9 || got <= 0 {
		t.Errorf("LIF_fc read-out rate %v, want spikes/(images·units·steps) = %v > 0", got, want)
	}
	cnn, _ := New[float32]("CNN", rand.New(rand.NewPCG(1, 1)), Options{})
	conv2 := cnn.Params()[2:4]
	if conv2[0].Name != "conv2.weight" || conv2[1].Name != "conv2.bias" {
		t.Fatalf("CNN parameters 2 and 3 are %s and %s, want conv2's", conv2[0].Name, conv2[1].Name)
	}
	clear(conv2[0].Value)
	for _, bias := range []float32{-1, 1} {
		for i := range conv2[1].Value {
			conv2[1].Value[i] = bias
		}
		cnn.Forward(x, 4)
		if got, want := cnn.ReadoutRate(), float64(max(bias, 0)); got != want {
			t.Errorf("CNN with second-stage bias %v: read-out rate %v, want %v", bias, got, want)
		}
	}
}

// TestHHvInitialActivity checks the HHv models' initial gains: on
// image-like inputs 20–80 % of the neurons of every spiking layer fire
// during the window (on real training images HHv_fc's fire at 38 %).
func TestHHvInitialActivity(t *testing.T) {
	x, _ := imagelike.Batch(4)
	frac := func(v []float32) float64 {
		n := 0
		for _, c := range v {
			if c > 0 {
				n++
			}
		}
		return float64(n) / float64(len(v))
	}
	fc, _ := New[float32]("HHv_fc", rand.New(rand.NewPCG(1, 1)), Options{})
	fc.Forward(x, 4)
	conv, _ := New[float32]("HHv_conv", rand.New(rand.NewPCG(1, 1)), Options{})
	conv.Forward(x, 4)
	c := conv.(*Conv[float32])
	l1 := c.first.(*hhvPooled[float32])
	fired1 := make([]float32, len(l1.in))
	for t := range c.spec.Steps {
		tensor.Add(fired1, l1.SpikesAt(t))
	}
	for _, tc := range []struct {
		layer string
		f     float64
	}{
		{"HHv_fc", frac(fc.(*FC[float32]).rate)},
		{"HHv_conv layer 1", frac(fired1)},
		{"HHv_conv layer 2", frac(c.cnt2)},
	} {
		if tc.f < 0.2 || tc.f > 0.8 {
			t.Errorf("%s: %.0f %% of the neurons fire at the initial gain, want 20–80 %%", tc.layer, 100*tc.f)
		}
		t.Logf("%s: %.0f %% fire", tc.layer, 100*tc.f)
	}
}
