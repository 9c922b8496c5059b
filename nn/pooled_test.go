package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// perStepPooled is the composition Pooled replaces: the per-step layer on
// the constant input, pooled at each step, and backwards step by step.
func perStepPooled(fwd func(t int, in []float64) []float64, back func(t int, dIn, dSpk []float64), x []float64, dPooled [][]float64, planes, side int) (pooled [][]float64, dIn []float64) {
	steps := len(dPooled)
	for t := range steps {
		p := make([]float64, len(x)/4)
		AvgPool2Forward(p, fwd(t, x), planes, side, side)
		pooled = append(pooled, p)
	}
	dIn = make([]float64, len(x))
	dS := make([]float64, len(x))
	for t := steps - 1; t >= 0; t-- {
		AvgPool2Backward(dS, dPooled[t], planes, side, side)
		back(t, dIn, dS)
	}
	return pooled, dIn
}

func TestPooledMatchesPerStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 1))
	const planes, side, steps = 3, 6, 7
	for _, sg := range []Surrogate[float64]{Rect(0.5), {Smooth: 3}} {
		for _, unit := range []string{"LIF", "HH", "HH attached", "Step"} {
			x := randVec(rng, planes*side*side, -0.5, 1.5)
			var dPooled [][]float64
			for range steps {
				dPooled = append(dPooled, randVec(rng, planes*side*side/4, -1, 1))
			}
			var l Pooled[float64]
			var fwd func(int, []float64) []float64
			var back func(int, []float64, []float64)
			switch unit {
			case "LIF":
				l.LIF = &LIF[float64]{Decay: 0.2, Theta: 0.3, Surrogate: sg}
				ref := &LIF[float64]{Decay: 0.2, Theta: 0.3, Surrogate: sg}
				ref.Reset(len(x), steps)
				fwd, back = ref.Forward, ref.Backward
			case "Step":
				l.Step = &Step[float64]{Theta: 0.5, Surrogate: sg}
				out := make([]float64, len(x))
				fwd = func(_ int, in []float64) []float64 { l.Step.Forward(out, in); return out }
				back = func(_ int, dIn, dS []float64) {
					d := make([]float64, len(dIn))
					l.Step.Backward(d, dS, x)
					for i := range d {
						dIn[i] += d[i]
					}
				}
			default:
				l.HH = NewHH(side, 0.5, 0.4, sg, rand.New(rand.NewPCG(5, 5)))
				l.HH.DetachCurrents = unit == "HH"
				for k := range l.HH.Coef {
					for i := range l.HH.Coef[k] {
						l.HH.Coef[k][i] *= 30 // gates that move within the steps
					}
				}
				ref := &HH[float64]{Dt: 0.5, Theta: 0.4, Surrogate: sg, DetachCurrents: l.HH.DetachCurrents, Coef: l.HH.Coef, Width: side}
				ref.Reset(len(x), side, steps)
				fwd, back = ref.Forward, ref.Backward
			}
			wantPooled, wantDIn := perStepPooled(fwd, back, x, dPooled, planes, side)
			for _, workers := range []int{1, 2} {
				l.Pool = tensor.NewPool(workers)
				pooled := make([][]float64, steps)
				for t := range pooled {
					pooled[t] = make([]float64, len(x)/4)
				}
				l.Forward(pooled, x, planes, side)
				dIn := make([]float64, len(x))
				for i := range dIn {
					dIn[i] = math.NaN() // Backward overwrites, never adds
				}
				l.Backward(dIn, dPooled)
				l.Pool.Close()
				if !closeTo(slices.Concat(pooled...), slices.Concat(wantPooled...), 1e-12) {
					t.Fatalf("%s, smooth %g: pooled spikes differ from the per-step layer", unit, sg.Smooth)
				}
				if !closeTo(dIn, wantDIn, 1e-10) {
					t.Fatalf("%s, smooth %g: input gradient differs from the per-step layer:\n%v\n%v", unit, sg.Smooth, dIn[:6], wantDIn[:6])
				}
			}
		}
	}
}

// TestPooledFast checks the float32 kernels (vector ones where the build
// has them) against the generic code in float32, bit for bit, on rows
// that take whole and overlapping vector blocks and rows too short for
// them.
func TestPooledFast(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	for _, side := range []int{4, 16, 20, 36} {
		for _, unit := range []string{"LIF", "HH", "HH attached", "SLIF", "Step"} {
			const planes, steps = 3, 9
			inputs := 1
			if unit == "SLIF" {
				inputs = 3
			}
			x := to32(randVec(rng, inputs*planes*side*side, -0.5, 2))
			for i := range x {
				switch {
				case strings.HasPrefix(unit, "HH"):
					// The leak current's drive (ḡ_L·E_L·dt ≈ 1.6 per step)
					// lifts v past the window at once unless x pulls back.
					x[i] = 2.5*x[i] - 3
				case i%11 == 0:
					x[i] = 0.8 // LIF: m − θ = lens at step 0, the window's edge
				case i%11 == 1:
					x[i] = 0.3 // LIF: m = θ at step 0, no spike (strict)
				}
			}
			var dPooled [][]float32
			for range steps {
				dPooled = append(dPooled, to32(randVec(rng, planes*side*side/4, -1, 1)))
			}
			run := func(fast bool) (pooled [][]float32, dIn, mix []float32) {
				var l Pooled[float32]
				switch unit {
				case "LIF":
					l.LIF = &LIF[float32]{Decay: 0.2, Theta: 0.3, Surrogate: Rect[float32](0.5)}
				case "SLIF":
					l.SLIF = NewSLIF2HH("s", float32(0.5), 0.3, Rect[float32](0.4), rand.New(rand.NewPCG(6, 6)))
					mix = l.SLIF.Mix.Grad
				case "Step":
					l.Step = &Step[float32]{Theta: 0.5, Surrogate: Rect[float32](0.5)}
				default:
					l.HH = NewHH(side, 0.5, 0.4, Rect[float32](0.5), rand.New(rand.NewPCG(5, 5)))
					l.HH.DetachCurrents = unit == "HH"
				}
				pooled = make([][]float32, steps)
				for t := range pooled {
					pooled[t] = make([]float32, planes*side*side/4)
				}
				dIn = make([]float32, len(x))
				for i := range dIn {
					dIn[i] = float32(math.NaN())
				}
				if fast {
					l.Forward(pooled, x, planes, side)
					l.Backward(dIn, dPooled)
					return
				}
				// The generic code, block by block.
				var mix64 [4]float64
				l.planes, l.side, l.steps, l.in = planes, side, steps, x
				if l.HH != nil {
					l.HH.gates(side, steps)
				}
				l.pooled = pooled
				for r := range planes * side / 2 {
					for xx := range side / 2 {
						l.block(r/(side/2), r%(side/2), xx, &mix64)
					}
				}
				l.goingBack, l.dIn, l.dPooled = true, dIn, dPooled
				for r := range planes * side / 2 {
					for xx := range side / 2 {
						l.block(r/(side/2), r%(side/2), xx, &mix64)
					}
				}
				for q := range mix {
					mix[q] += float32(mix64[q])
				}
				return
			}
			gotP, gotD, gotM := run(true)
			wantP, wantD, wantM := run(false)
			if unit == "SLIF" && wantM[0] == 0 && wantM[3] == 0 {
				t.Fatal("no mixing gradient: the test checks nothing")
			}
			for q := range gotM {
				// Summed over units in another order: equal to rounding.
				if math.Abs(float64(gotM[q]-wantM[q])) > 1e-5*(1+math.Abs(float64(wantM[q]))) {
					t.Fatalf("%s side %d: mixing gradient %v, generic code %v", unit, side, gotM, wantM)
				}
			}
			if !slices.Equal(slices.Concat(gotP...), slices.Concat(wantP...)) {
				t.Fatalf("%s side %d: pooled spikes differ from the generic code", unit, side)
			}
			if !slices.Equal(gotD, wantD) {
				for i := range gotD {
					if gotD[i] != wantD[i] {
						t.Fatalf("%s side %d: dIn[%d] = %v, generic code %v", unit, side, i, gotD[i], wantD[i])
					}
				}
			}
			var spikes float32
			for _, v := range slices.Concat(gotP...) {
				spikes += v
			}
			if spikes == 0 {
				t.Fatalf("%s side %d: no spikes, the test checks nothing", unit, side)
			}
			nonzero := 0
			for _, g := range gotD {
				if g != 0 {
					nonzero++
				}
			}
			if nonzero < len(gotD)/10 {
				t.Fatalf("%s side %d: %d of %d input gradients nonzero, the test checks little", unit, side, nonzero, len(gotD))
			}
		}
	}
}

func TestStepFloat32(t *testing.T) {
	s := Step[float32]{Theta: 0.5, Surrogate: Rect[float32](0.5)}
	x := []float32{-1, 0, 0.2, 0.5, 0.6, 0.99, 1, 1.2}
	out := make([]float32, len(x))
	s.Forward(out, x)
	if want := []float32{0, 0, 0, 0, 1, 1, 1, 1}; !slices.Equal(out, want) {
		t.Errorf("forward %v, want %v", out, want)
	}
	dx := make([]float32, len(x))
	s.Backward(dx, []float32{2, 2, 2, 2, 2, 2, 2, 2}, x)
	// Gradient 2 where 0 < x and |x − 0.5| < 0.5: x in (0, 1).
	if want := []float32{0, 0, 2, 2, 2, 2, 0, 0}; !slices.Equal(dx, want) {
		t.Errorf("backward %v, want %v", dx, want)
	}
}

// TestPooledSLIF checks the s-LIF2HH unit against the per-step layer on
// the summed spike map, pooled at each step: spikes, the three input
// gradients and the mixing gradient.
func TestPooledSLIF(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 1))
	const planes, side, steps = 2, 6, 6
	size := planes * side * side
	for _, sg := range []Surrogate[float64]{Rect(0.4), {Smooth: 3}} {
		x := randVec(rng, 3*size, -0.5, 1.5)
		var dPooled [][]float64
		for range steps {
			dPooled = append(dPooled, randVec(rng, size/4, -1, 1))
		}
		ref := NewSLIF2HH("s", 0.5, 0.3, sg, rand.New(rand.NewPCG(6, 6)))
		ref.Reset(size, steps)
		in := [3][]float64{x[:size], x[size : 2*size], x[2*size:]}
		fwd := func(t int, _ []float64) []float64 {
			out := ref.Forward(t, in)
			sum := slices.Clone(out[0])
			for q := 1; q < 4; q++ {
				for i, v := range out[q] {
					sum[i] += v
				}
			}
			return sum
		}
		wantDIn := make([]float64, 3*size)
		back := func(t int, _, dS []float64) {
			ref.Backward(t, [3][]float64{wantDIn[:size], wantDIn[size : 2*size], wantDIn[2*size:]}, [4][]float64{dS, dS, dS, dS})
		}
		wantPooled, _ := perStepPooled(fwd, back, x[:size], dPooled, planes, side)

		l := Pooled[float64]{SLIF: NewSLIF2HH("s", 0.5, 0.3, sg, rand.New(rand.NewPCG(6, 6)))}
		l.Pool = tensor.NewPool(2)
		pooled := make([][]float64, steps)
		for t := range pooled {
			pooled[t] = make([]float64, size/4)
		}
		l.Forward(pooled, x, planes, side)
		dIn := make([]float64, 3*size)
		l.Backward(dIn, dPooled)
		l.Pool.Close()
		if !closeTo(slices.Concat(pooled...), slices.Concat(wantPooled...), 1e-12) {
			t.Fatalf("smooth %g: pooled spikes differ from the per-step layer", sg.Smooth)
		}
		if !closeTo(dIn, wantDIn, 1e-10) {
			t.Fatalf("smooth %g: input gradients differ from the per-step layer", sg.Smooth)
		}
		if !closeTo(l.SLIF.Mix.Grad, ref.Mix.Grad, 1e-10) {
			t.Fatalf("smooth %g: mixing gradient %v, per-step layer %v", sg.Smooth, l.SLIF.Mix.Grad, ref.Mix.Grad)
		}
		if slices.Max(slices.Concat(pooled...)) == 0 || slices.Max(ref.Mix.Grad) == 0 && slices.Min(ref.Mix.Grad) == 0 {
			t.Fatal("no spikes or no mixing gradient: the test checks nothing")
		}
	}
}

// TestHHStepFloat32: the float32 per-step HH (assembly rows on amd64,
// scalar tails) gives, bit for bit, the equations
// stepped in float32 in the same order, forward and backward, currents
// attached and detached.
func TestHHStepFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(44, 1))
	const per, rows, steps = 20, 3, 6 // 20 = 16 in vectors + 4 scalar
	n := per * rows
	for _, detach := range []bool{false, true} {
		l := NewHH(per, float32(0.5), 2, Rect[float32](0.5), rng)
		for k := range l.Coef {
			for i := range l.Coef[k] {
				l.Coef[k][i] = float32(rng.Float64())
			}
		}
		l.DetachCurrents = detach
		l.Reset(n, per, steps)
		x := to32(randVec(rng, n, 0, 12))
		g := to32(randVec(rng, n, -1, 1))
		var spikes, volts [][]float32
		for s := range steps {
			spikes = append(spikes, slices.Clone(l.Forward(s, x)))
			volts = append(volts, slices.Clone(l.v[s][:n]))
		}
		dIn := make([]float32, n)
		for s := steps - 1; s >= 0; s-- {
			l.Backward(s, dIn, g)
		}
		// The reference.
		v, cv, dRef := make([]float32, n), make([]float32, n), make([]float32, n)
		var vs [][]float32
		for s := range steps {
			for i := range v {
				c := i % per
				v[i] = v[i]*l.leak[s][c] + l.Dt*x[i] + l.drive[s][c]
				if want := above(v[i], l.Theta); spikes[s][i] != want {
					t.Fatalf("detach %v, step %d, neuron %d: spike %v, want %v", detach, s, i, spikes[s][i], want)
				}
			}
			if !slices.Equal(volts[s], v) {
				t.Fatalf("detach %v, step %d: membranes differ", detach, s)
			}
			vs = append(vs, slices.Clone(v))
		}
		for s := steps - 1; s >= 0; s-- {
			for i := range cv {
				dv := cv[i] + g[i]*within(vs[s][i]-l.Theta, 0.5)
				dRef[i] += l.Dt * dv
				if detach {
					cv[i] = dv
				} else {
					cv[i] = dv * l.leak[s][i%per]
				}
			}
		}
		if !slices.Equal(dIn, dRef) {
			t.Fatalf("detach %v: input gradients differ", detach)
		}
		if slices.Max(slices.Concat(spikes...)) == 0 || slices.Max(dRef) == 0 && slices.Min(dRef) == 0 {
			t.Fatal("no spikes or no gradient: the test checks little")
		}
	}
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

// TestStepKernelsMatchScalar: the binary unit's kernels (vector where the
// build has them) give the scalar loops' bits, signed zeros included, on
// a length that leaves a scalar tail.
func TestStepKernelsMatchScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(44, 1))
	const n = 1003
	x, dOut := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*3 - 1
		dOut[i] = rng.Float32() - 0.5
	}
	x[5], x[17] = 0, 0.5
	got, want := make([]float32, n), make([]float32, n)
	stepForward32(0.5, got, x)
	stepForward32Scalar(0.5, want, x)
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("forward %d: %v, scalar %v", i, got[i], want[i])
		}
	}
	stepBackward32(0.5, 0.5, got, dOut, x)
	stepBackward32Scalar(0.5, 0.5, want, dOut, x)
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("backward %d: %v, scalar %v", i, got[i], want[i])
		}
	}
}
