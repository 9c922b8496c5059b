//go:build mujoco

package mujoco

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func newEnv(t testing.TB, k Kind) *Env {
	t.Helper()
	e, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// TestMasses: density 1000 and the capsules' sizes give the bodies' masses
// (cart, then poles), as the study's environments have them.
func TestMasses(t *testing.T) {
	for _, tc := range []struct {
		k    Kind
		want []float64
	}{
		{InvertedPendulum, []float64{10.471976, 5.018592}},
		{InvertedDoublePendulum, []float64{10.471976, 4.198739, 4.198739}},
	} {
		got := newEnv(t, tc.k).Masses()
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d bodies, want %d", tc.k, len(got), len(tc.want))
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 5e-7 {
				t.Errorf("%s body %d: %.7f kg, want %.6f", tc.k, i+1, got[i], tc.want[i])
			}
		}
	}
}

// TestFallsFromRest: from the exact upright rest state with zero action,
// the symmetry breakers make InvertedPendulum terminate after 30 steps and
// InvertedDoublePendulum after 53.
func TestFallsFromRest(t *testing.T) {
	for _, tc := range []struct {
		k    Kind
		want int
	}{{InvertedPendulum, 30}, {InvertedDoublePendulum, 53}} {
		e := newEnv(t, tc.k)
		if _, err := e.Reset(nil); err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			tr, err := e.Step([]float64{0})
			if err != nil {
				t.Fatal(err)
			}
			n++
			if tr.Terminated || n > 1000 {
				break
			}
		}
		if n != tc.want {
			t.Errorf("%s: terminated after %d steps, want %d", tc.k, n, tc.want)
		}
	}
}

// TestObservations: the layouts — IP [x, θ, ẋ, θ̇]; IDP [x, sin θ₁, sin θ₂,
// cos θ₁, cos θ₂, clipped q̇ ×3, clipped constraint forces ×3] — and the
// rest state's values.
func TestObservations(t *testing.T) {
	e := newEnv(t, InvertedPendulum)
	obs, err := e.Reset(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(obs, []float64{0, 0, 0, 0}) {
		t.Errorf("IP rest observation %v", obs)
	}
	tr, _ := e.Step([]float64{3})
	s := e.State()
	if tr.Obs[0] != s.QPos[0] || tr.Obs[1] != s.QPos[1] || tr.Obs[2] != s.QVel[0] || tr.Obs[3] != s.QVel[1] || tr.Obs[2] <= 0 {
		t.Errorf("IP observation %v, state %v %v (a push to the right moves the cart right)", tr.Obs, s.QPos, s.QVel)
	}
	if tr.Reward != 1 {
		t.Errorf("IP reward %v, want 1", tr.Reward)
	}
	d := newEnv(t, InvertedDoublePendulum)
	obs, _ = d.Reset(nil)
	if len(obs) != 11 || obs[3] != 1 || obs[4] != 1 || obs[1] != 0 || obs[2] != 0 {
		t.Errorf("IDP rest observation %v", obs)
	}
	for i := 0; i < 40; i++ {
		tr, err = d.Step([]float64{1})
		if err != nil {
			t.Fatal(err)
		}
	}
	s = d.State()
	for i := 0; i < 2; i++ {
		if tr.Obs[1+i] != math.Sin(s.QPos[1+i]) || tr.Obs[3+i] != math.Cos(s.QPos[1+i]) {
			t.Errorf("IDP angles: obs %v, qpos %v", tr.Obs, s.QPos)
		}
	}
	for i := 5; i < 11; i++ {
		if math.Abs(tr.Obs[i]) > 10 {
			t.Errorf("IDP obs[%d] = %v, clipped to ±10", i, tr.Obs[i])
		}
	}
	if tr.Reward >= 10 || tr.Reward < 0 {
		t.Errorf("IDP reward %v, want the alive bonus 10 less the penalties", tr.Reward)
	}
}

// TestResetNoise: positions within ±0.01 (IP) and ±0.1 (IDP), IP's
// velocities within ±0.01, IDP's Gaussian with s.d. 0.1; the same seed
// gives the same reset.
func TestResetNoise(t *testing.T) {
	for _, k := range Kinds() {
		e := newEnv(t, k)
		spec := e.Spec()
		var sumSq float64
		n := 0
		for i := 0; i < 2000; i++ {
			if _, err := e.Reset(rand.New(rand.NewPCG(uint64(i), 1))); err != nil {
				t.Fatal(err)
			}
			s := e.State()
			for _, q := range s.QPos {
				if math.Abs(q) > spec.PosNoise {
					t.Fatalf("%s: position %v outside ±%v", k, q, spec.PosNoise)
				}
			}
			for _, v := range s.QVel {
				if !spec.VelGaussian && math.Abs(v) > spec.VelNoise {
					t.Fatalf("%s: velocity %v outside ±%v", k, v, spec.VelNoise)
				}
				sumSq += v * v
				n++
			}
		}
		if sd := math.Sqrt(sumSq / float64(n)); spec.VelGaussian && math.Abs(sd-0.1) > 0.005 {
			t.Errorf("%s: velocity s.d. %v, want 0.1", k, sd)
		}
		a, _ := e.Reset(rand.New(rand.NewPCG(7, 7)))
		a = slices.Clone(a)
		b, _ := e.Reset(rand.New(rand.NewPCG(7, 7)))
		if !slices.Equal(a, b) {
			t.Errorf("%s: the same seed gave %v and %v", k, a, b)
		}
	}
}

// TestBadActions: a NaN, infinite or wrongly sized action is an error, not
// a crash, and the episode can go on with a good one.
func TestBadActions(t *testing.T) {
	e := newEnv(t, InvertedDoublePendulum)
	e.Reset(nil)
	for _, a := range [][]float64{{math.NaN()}, {math.Inf(-1)}, {}, {0, 0}} {
		if _, err := e.Step(a); err == nil {
			t.Errorf("action %v accepted", a)
		}
	}
	if _, err := e.Step([]float64{0.5}); err != nil {
		t.Errorf("a good action after bad ones: %v", err)
	}
}

// TestUnstableStateIsAnError: a state MuJoCo cannot integrate (an enormous
// velocity) makes it reset its data and warn; Step reports it.
func TestUnstableStateIsAnError(t *testing.T) {
	e := newEnv(t, InvertedPendulum)
	e.Reset(nil)
	s := e.State()
	s.QVel[1] = 1e300
	if err := e.SetState(s); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Step([]float64{0}); !errors.Is(err, ErrUnstable) {
		t.Errorf("step from an unstable state: %v, want ErrUnstable", err)
	}
	if _, err := e.Reset(nil); err != nil {
		t.Errorf("reset after instability: %v", err)
	}
}

// TestStateResumesBitForBit: an episode restored mid-way from State goes
// on exactly as the original.
func TestStateResumesBitForBit(t *testing.T) {
	for _, k := range Kinds() {
		a, b := newEnv(t, k), newEnv(t, k)
		a.Reset(rand.New(rand.NewPCG(3, 3)))
		rng := rand.New(rand.NewPCG(4, 4))
		act := func() []float64 { return []float64{a.Spec().ActHigh * (2*rng.Float64() - 1)} }
		for i := 0; i < 7; i++ {
			a.Step(act())
		}
		if err := b.SetState(a.State()); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			u := act()
			ta, errA := a.Step(u)
			oa := slices.Clone(ta.Obs)
			tb, errB := b.Step(u)
			if errA != nil || errB != nil || !slices.Equal(oa, tb.Obs) || ta.Reward != tb.Reward || ta.Terminated != tb.Terminated {
				t.Fatalf("%s step %d: %v (%v) vs %v (%v)", k, i, oa, errA, tb.Obs, errB)
			}
		}
		bad := a.State()
		bad.QPos = bad.QPos[:1]
		if err := b.SetState(bad); err == nil {
			t.Errorf("%s: a state of the wrong size accepted", k)
		}
	}
}

// rss is the process's resident memory in bytes (Linux).
func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestResetsDoNotGrowMemory: 10 000 resets (and a few steps each) leave
// the resident memory where it was.
func TestResetsDoNotGrowMemory(t *testing.T) {
	e := newEnv(t, InvertedDoublePendulum)
	rng := rand.New(rand.NewPCG(1, 1))
	run := func(n int) {
		for i := 0; i < n; i++ {
			e.Reset(rng)
			e.Step([]float64{0.1})
		}
	}
	run(1000)
	runtime.GC()
	before := rss(t)
	run(10000)
	runtime.GC()
	if grew := rss(t) - before; grew > 1<<20 {
		t.Errorf("10 000 resets grew the resident memory by %d KiB", grew>>10)
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds() {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := ParseKind("cartpole"); err == nil {
		t.Error("an unknown environment accepted")
	}
}

// BenchmarkStep compares Env.Step with a plain C loop of mj_step over the
// same model (zero control, a reset every 1000 steps): ns per environment
// step of each and their ratio.
func BenchmarkStep(b *testing.B) {
	for _, k := range Kinds() {
		b.Run(k.String()+"/env", func(b *testing.B) {
			e := newEnv(b, k)
			act := []float64{0}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if i%1000 == 0 {
					e.Reset(nil)
				}
				e.Step(act)
			}
		})
		b.Run(k.String()+"/c", func(b *testing.B) {
			e := newEnv(b, k)
			e.referenceLoop(b.N)
		})
	}
}
