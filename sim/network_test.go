package sim

import (
	"math"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/neuron"
)

// constPop is a population whose voltage the test sets; Step records its input.
type constPop struct {
	v, in []float64
	seen  [][]float64
}

func (p *constPop) Len() int           { return len(p.v) }
func (p *constPop) Input() []float64   { return p.in }
func (p *constPop) Voltage() []float64 { return p.v }
func (p *constPop) Step(float64)       { p.seen = append(p.seen, append([]float64(nil), p.in...)) }

// TestConnectionDelays: a delay-1 connection reads the old flags, a delay-0
// connection the flags after this step's update.
func TestConnectionDelays(t *testing.T) {
	src := &constPop{v: []float64{0, 0}, in: make([]float64, 2)}
	dOld := &constPop{v: []float64{0}, in: make([]float64, 1)}
	dNew := &constPop{v: []float64{0}, in: make([]float64, 1)}
	net := NewNetwork(0.5)
	gs := net.Add("src", src, 0.5)
	net.Connect(gs, net.Add("old", dOld, 1), [][]float64{{2}, {3}})
	gn := net.Add("new", dNew, 1)
	net.ConnectSameStep(gs, gn, [][]float64{{2}, {3}})
	gn.Bias = []float64{10}
	mon := net.MonitorSpikes(gs, 0)

	net.Step()   // src stays below: nothing flows
	src.v[1] = 1 // now neuron 1 is above; next step's update keeps it
	net.Step()
	net.Step()
	if got := []float64{dOld.seen[0][0], dOld.seen[1][0], dOld.seen[2][0]}; got[0] != 0 || got[1] != 0 || got[2] != 3 {
		t.Errorf("delay-1 inputs %v, want [0 0 3]", got)
	}
	if got := []float64{dNew.seen[0][0], dNew.seen[1][0], dNew.seen[2][0]}; got[0] != 10 || got[1] != 13 || got[2] != 13 {
		t.Errorf("delay-0 inputs with bias %v, want [10 13 13]", got)
	}
	if mon.Count[1] != 1 || mon.Trains()[1][0] != 1.0 {
		t.Errorf("onset of neuron 1: count %v trains %v; want one at step 2 = 1 ms", mon.Count, mon.Trains())
	}
}

func TestNetworkMisuse(t *testing.T) {
	for name, f := range map[string]func(){
		"zero dt": func() { NewNetwork(0) },
		"shape": func() {
			n := NewNetwork(1)
			a := n.Add("a", &constPop{v: make([]float64, 2), in: make([]float64, 2)}, 0)
			n.Connect(a, a, [][]float64{{1, 2}})
		},
		"same-step order": func() {
			n := NewNetwork(1)
			a := n.Add("a", &constPop{v: make([]float64, 1), in: make([]float64, 1)}, 0)
			b := n.Add("b", &constPop{v: make([]float64, 1), in: make([]float64, 1)}, 0)
			n.ConnectSameStep(b, a, [][]float64{{1}})
		},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.HasPrefix(r.(string), "sim: ") {
					t.Errorf("%s: recovered %v, want a sim: panic", name, r)
				}
			}()
			f()
		}()
	}
}

// TestParallelStepIsExact: splitting a large population across the helper
// goroutine gives bit-identical results to a serial run.
func TestParallelStepIsExact(t *testing.T) {
	run := func(serial bool) []float64 {
		h := neuron.NewHH(neuron.HHAbsolute(), 200)
		for i := range h.IExt {
			h.IExt[i] = float64(i) / 5
		}
		net := NewNetwork(0.01)
		net.Serial = serial
		g := net.Add("hh", &HHPop{HH: h}, Threshold)
		g.Bias = append([]float64(nil), h.IExt...)
		net.Run(2000)
		return append([]float64(nil), h.Y...)
	}
	a, b := run(true), run(false)
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			t.Fatalf("component %d: serial %v, parallel %v", i, a[i], b[i])
		}
	}
}

// TestStimulusMeans: the closed-form integrals agree with fine midpoint
// quadrature of x(t), over whole and fractional intervals.
func TestStimulusMeans(t *testing.T) {
	for _, st := range Stimuli() {
		for _, iv := range [][2]float64{{0, 1}, {3, 4}, {7.9, 9.3}, {16, 17}, {0, 80}} {
			a, b := iv[0], iv[1]
			const n = 200000
			h := (b - a) / n
			sum := 0.0
			for k := range n {
				sum += st.At(a + (float64(k)+0.5)*h)
			}
			quad := sum / n
			if got := st.Mean(a, b); math.Abs(got-quad) > 1e-3 {
				t.Errorf("%s mean over [%v, %v] = %v, quadrature %v", st.Name, a, b, got, quad)
			}
		}
	}
	if _, err := StimulusByName("noise"); err == nil {
		t.Error("unknown stimulus: want an error")
	}
}
