package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

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
