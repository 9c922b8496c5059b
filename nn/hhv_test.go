package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/internal/hhv"
	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/ode"
	"github.com/hhnet/hhnet/tensor"
)

// smallHHv is a float64 layer with short substeps and smooth spikes.
func smallHHv(gain float64) *HHv[float64] {
	l := NewHHv("hhv", gain, Surrogate[float64]{Smooth: 0.2})
	l.Substeps = 20
	return l
}

// TestHHvStaticGradient checks the static form's input and gain gradients
// over a whole window (forward-mode derivatives through every substep).
func TestHHvStaticGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 7))
	const size, steps = 6, 5
	in := randVec(rng, size, 0, 2)
	c := randVec(rng, size, -1, 1)
	loss := func(gain float64, x []float64) float64 {
		l := smallHHv(gain)
		l.Reset(size, steps)
		count := make([]float64, size)
		l.ForwardStatic(count, x)
		return dot(c, count)
	}
	l := smallHHv(12)
	l.Reset(size, steps)
	count, dIn := make([]float64, size), make([]float64, size)
	l.ForwardStatic(count, in)
	if count[0] == 0 && count[1] == 0 {
		t.Fatal("no activity: the check would be vacuous")
	}
	l.BackwardStatic(dIn, c)
	checkGrad(t, "HHv static input", func(x []float64) float64 { return loss(12, x) }, in, dIn)
	checkGrad(t, "HHv static gain", func(g []float64) float64 { return loss(g[0], in) }, []float64{12}, l.Gain.Grad)
}

// TestHHvStepGradient checks the per-step form (recomputed substeps,
// reverse mode) with a different input at every step.
func TestHHvStepGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	const size, steps = 96, 3
	in := randVec(rng, size*steps, 0, 2)
	c := randVec(rng, size*steps, -1, 1)
	run := func(l *HHv[float64], x []float64) float64 {
		l.Reset(size, steps)
		var s float64
		for st := range steps {
			s += dot(c[st*size:(st+1)*size], l.Forward(st, x[st*size:(st+1)*size]))
		}
		return s
	}
	l := smallHHv(12)
	run(l, in)
	dIn := make([]float64, size*steps)
	for st := steps - 1; st >= 0; st-- {
		l.Backward(st, dIn[st*size:(st+1)*size], c[st*size:(st+1)*size], in[st*size:(st+1)*size])
	}
	checkGrad(t, "HHv per-step input", func(x []float64) float64 { return run(smallHHv(12), x) }, in, dIn)
	checkGrad(t, "HHv per-step gain", func(g []float64) float64 { return run(smallHHv(g[0]), in) }, []float64{12}, l.Gain.Grad)
}

// TestHHvFormsAgree runs the same constant input through both forms with
// the real spike function: the same spikes.
func TestHHvFormsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 7))
	const size, steps = 40, 15
	in := randVec(rng, size, 0, 1)
	a := NewHHv("hhv", 20, Rect[float32](HHvLens))
	b := NewHHv("hhv", 20, Rect[float32](HHvLens))
	a.Reset(size, steps)
	b.Reset(size, steps)
	x := make([]float32, size)
	for i, v := range in {
		x[i] = float32(v)
	}
	count, sum := make([]float32, size), make([]float32, size)
	a.ForwardStatic(count, x)
	for st := range steps {
		for i, s := range b.Forward(st, x) {
			sum[i] += s
		}
	}
	var spikes float32
	for i := range count {
		spikes += count[i]
		if count[i] != sum[i] {
			t.Fatalf("neuron %d: %v spikes in the static form, %v step by step", i, count[i], sum[i])
		}
	}
	if spikes == 0 {
		t.Fatal("no spikes: the comparison is vacuous")
	}
}

// crossings returns the times (ms) at which neuron.HH's V crosses
// HHvThreshold upward, linearly interpolated within the step, stepping
// with st at dt for dur ms on the constant current i.
func crossings(st ode.Stepper, expV bool, i, dt, dur float64) []float64 {
	h := neuron.NewHH(neuron.HHShifted(), 1)
	h.ExpVoltage = expV
	h.IExt[0] = i
	var times []float64
	steps := int(math.Round(dur / dt))
	for k := 0; k < steps; k++ {
		old := h.V[0]
		st.Step(h, float64(k)*dt, dt, h.Y)
		if old <= HHvThreshold && h.V[0] > HHvThreshold {
			times = append(times, (float64(k)+(HHvThreshold-old)/(h.V[0]-old))*dt)
		}
	}
	return times
}

// TestHHvOnsetsMatchNeuron runs single HHv neurons (float64) under
// constant currents and checks that they spike in the same network steps
// as package neuron's HH integrated by the same method (Rush–Larsen
// gates, exponential Euler V) at the same substep.
func TestHHvOnsetsMatchNeuron(t *testing.T) {
	const steps = 40 // 40 ms
	currents := []float64{2.5, 4, 7, 10, 20, 40}
	l := NewHHv("hhv", 1, Rect[float64](HHvLens))
	l.Reset(len(currents), steps)
	var got [][]int = make([][]int, len(currents))
	for st := range steps {
		for i, s := range l.Forward(st, currents) {
			if s == 1 {
				got[i] = append(got[i], st)
			}
		}
	}
	total := 0
	for i, c := range currents {
		var want []int
		for _, tm := range crossings(&ode.RushLarsen{}, true, c, HHvSubstep, steps) {
			want = append(want, int(tm)) // 1 ms per network step
		}
		if !slices.Equal(got[i], want) {
			t.Errorf("I = %v: HHv spikes in steps %v, neuron.HH in %v", c, got[i], want)
		}
		total += len(want)
	}
	if total < 10 {
		t.Fatalf("only %d spikes: the comparison is weak", total)
	}
}

// TestHHvSubstepAccuracy measures the onsets' error against neuron.HH with
// RK4 at 0.001 ms for several substeps (the table in docs/model.md §8)
// and holds the default's to half a network step (the method is first
// order: the error grows as the substep).
func TestHHvSubstepAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("the RK4 reference takes a second")
	}
	const dur = 15 // the window of T = 15 network steps
	currents := []float64{4, 7, 10, 20, 40}
	var ref [][]float64
	for _, c := range currents {
		ref = append(ref, crossings(&ode.RK4{}, false, c, 0.001, dur))
	}
	for _, h := range []float64{0.005, 0.01, 0.025, 0.05, 0.1} {
		var worst float64
		for i, c := range currents {
			got := crossings(&ode.RushLarsen{}, true, c, h, dur)
			if len(got) != len(ref[i]) {
				worst = math.Inf(1)
				continue
			}
			for k := range got {
				worst = max(worst, math.Abs(got[k]-ref[i][k]))
			}
		}
		t.Logf("substep %.3f ms: worst onset error %.4f ms over %d currents, 15 ms", h, worst, len(currents))
		if h == HHvSubstep && worst > 0.5 {
			t.Errorf("default substep %v ms: onsets off by %.3g ms, more than half a network step", h, worst)
		}
	}
}

// BenchmarkHHvStatic is the static form of HHv_fc's layer: 128 images ×
// 512 neurons, 15 steps, forward with the derivatives, at 10, 20 (the
// default) and 40 substeps a step.
func BenchmarkHHvStatic(b *testing.B) {
	const size = 128 * 512
	rng := rand.New(rand.NewPCG(5, 7))
	in := make([]float32, size)
	for i := range in {
		in[i] = float32(rng.NormFloat64() * 0.3)
	}
	pool := tensor.NewPool(0)
	defer pool.Close()
	for _, sub := range []int{10, 20, 40} {
		b.Run(fmt.Sprintf("substeps=%d", sub), func(b *testing.B) {
			l := NewHHv("hhv", 20, Rect[float32](HHvLens))
			l.Pool, l.Substeps, l.H = pool, sub, float32(1.0/float64(sub))
			count := make([]float32, size)
			b.ReportAllocs()
			for b.Loop() {
				l.Reset(size, 15)
				l.ForwardStatic(count, in)
			}
		})
	}
}

// TestHHvStepKernelGlue runs the float32 per-step form (kernels on the
// leading multiple of eight neurons of each block, Go on the rest) and
// the neuron's Go code neuron by neuron: the same spikes, input and gain
// gradients, bit for bit.
func TestHHvStepKernelGlue(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	const size, steps = 77, 4
	in, dSpk := make([][]float32, steps), make([]float32, size)
	for st := range in {
		in[st] = make([]float32, size)
		for j := range in[st] {
			in[st][j] = float32(rng.Float64()*1.5 - 0.2)
		}
	}
	for j := range dSpk {
		dSpk[j] = float32(rng.NormFloat64())
	}
	pool := tensor.NewPool(2)
	defer pool.Close()
	l := NewHHv("hhv", 20, Rect[float32](HHvLens))
	l.Pool = pool
	l.Reset(size, steps)
	spikes := make([][]float32, steps)
	for st := range steps {
		spikes[st] = slices.Clone(l.Forward(st, in[st]))
	}
	dIn := make([]float32, size*steps)
	for st := steps - 1; st >= 0; st-- {
		l.Backward(st, dIn[st*size:(st+1)*size], dSpk, in[st])
	}
	nr := l.neuron
	var dGain float64
	for j := range size {
		states := []hhv.State[float32]{nr.Rest}
		for st := range steps {
			s, sp := nr.Step(states[st], 20*in[st][j])
			if sp != spikes[st][j] {
				t.Fatalf("neuron %d step %d: spike %v, Go %v", j, st, spikes[st][j], sp)
			}
			states = append(states, s)
		}
		var a hhv.State[float32]
		for st := steps - 1; st >= 0; st-- {
			var di float32
			a, di = nr.StepBack(states[st], 20*in[st][j], a, dSpk[j])
			if got := dIn[st*size+j]; math.Float32bits(got) != math.Float32bits(di*20) {
				t.Fatalf("neuron %d step %d: input gradient %v, Go %v", j, st, got, di*20)
			}
			dGain += float64(di * in[st][j])
		}
	}
	if math.Abs(float64(l.Gain.Grad[0])-dGain) > 1e-6*math.Abs(dGain) {
		t.Errorf("gain gradient %v, Go %v", l.Gain.Grad[0], dGain)
	}
}

// TestHHvFiring checks the statistics against the counts of the static
// form: a silent input, a weak one that spikes once or so, a strong one.
func TestHHvFiring(t *testing.T) {
	l := NewHHv("hhv", 1, Rect[float64](HHvLens))
	in := []float64{0, 4, 40}
	l.Reset(len(in), 15)
	count := make([]float64, len(in))
	l.ForwardStatic(count, in)
	f := l.Firing(in)
	if want := (count[0] + count[1] + count[2]) / (3 * 15); math.Abs(f.MeanRate-want) > 1e-12 {
		t.Errorf("mean rate %v, want %v from the counts %v", f.MeanRate, want, count)
	}
	if count[0] != 0 || count[2] < 2 || f.Silent != 1.0/3 {
		t.Errorf("counts %v, silent fraction %v: want the first neuron alone silent", count, f.Silent)
	}
	if f.PeakV < 80 || f.Above80 != 2.0/3 {
		t.Errorf("peak %v mV, %v above 80 mV: want the two spiking neurons' sodium spikes", f.PeakV, f.Above80)
	}
}

// BenchmarkHHvSteps is the per-step form (HHv_conv's layers): 32 768
// neurons, 15 steps forward, then back.
func BenchmarkHHvSteps(b *testing.B) {
	const size, steps = 32768, 15
	rng := rand.New(rand.NewPCG(8, 7))
	in, dSpk, dIn := make([]float32, size), make([]float32, size), make([]float32, size)
	for i := range in {
		in[i], dSpk[i] = float32(rng.NormFloat64()*0.3), float32(rng.NormFloat64())
	}
	pool := tensor.NewPool(0)
	defer pool.Close()
	l := NewHHv("hhv", 20, Rect[float32](HHvLens))
	l.Pool = pool
	b.ReportAllocs()
	for b.Loop() {
		l.Reset(size, steps)
		for t := range steps {
			l.Forward(t, in)
		}
		for t := steps - 1; t >= 0; t-- {
			l.Backward(t, dIn, dSpk, in)
		}
	}
}
