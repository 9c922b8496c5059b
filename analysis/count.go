package analysis

import (
	"fmt"
	"strings"

	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/nn"
)

// neuronCost is the paper's per-neuron, per-step cost of a unit
// (docs/model.md §6); the binary unit of the ANN and CNN is not counted.
func neuronCost(u models.Unit) (mul, add int64) {
	switch u {
	case models.LIFUnit:
		return 3, 3
	case models.HHUnit:
		return 23, 16
	case models.SLIFUnit:
		return 15, 14
	case models.HHvUnit:
		// Ours: per substep 44 multiplications and 23 additions
		// (divisions, square roots and the six exponentials count as
		// multiplications, the two comparisons as additions; docs/model.md
		// §8), 20 substeps per step.
		return 44 * nn.HHvSubsteps, 23 * nn.HHvSubsteps
	}
	return 0, 0
}

// Stage is one layer of a model as the cost rules see it.
type Stage struct {
	// A product: a Linear In→Out, or, when K > 0, a K×K convolution
	// Cin→Cout producing H×W maps. Copies products of the same shape run
	// side by side (s-LIF2HH's three input projections or convolutions).
	In, Out            int
	K, Cin, Cout, H, W int
	Copies             int
	// Static products act on the unchanging image: the dense rules count
	// them at every step, the implementation computes them once.
	Static bool
	// Once: counted once per sample, not per step (the read-out Linear).
	Once bool
	// Neurons: a spiking stage of this many neurons (units) of kind Unit.
	Neurons int
	Unit    models.Unit
}

// Arch is a model as the cost rules see it.
type Arch struct {
	Name  string
	Steps int // T of the cost rules: 15 for the spiking models, 1 for ANN and CNN
	// RunSteps is the T the model runs with (LIF_hh_conv: 10), which
	// Executed counts.
	RunSteps int
	Stages   []Stage
	// Shared trainable parameters outside the stages (s-LIF2HH's mixing
	// layer: 3 weights and a bias) and frozen ones (HH rate coefficients).
	Extra, Frozen int
}

func linear(in, out int) Stage { return Stage{In: in, Out: out, Copies: 1} }

func conv(cin, cout, hw int) Stage {
	return Stage{K: 3, Cin: cin, Cout: cout, H: hw, W: hw, Copies: 1}
}

func neurons(n int, u models.Unit) Stage { return Stage{Neurons: n, Unit: u} }

// costSteps is T of the cost rules: 15 for every spiking model (LIF_hh_conv
// too, though it trains with 10), 1 for the binary ANN and CNN.
const costSteps = 15

// Archs returns the models (the study's ten, then ours) as the cost rules see them,
// derived from models.Specs (docs/model.md §4), in its order.
func Archs() []Arch {
	var archs []Arch
	for _, spec := range models.Specs() {
		archs = append(archs, archOf(spec))
	}
	return archs
}

// archOf lays out one model's stages.
func archOf(spec models.Spec) Arch {
	u, w := spec.Unit, spec.Width
	a := Arch{Name: spec.Name, Steps: costSteps}
	if u == models.StepUnit {
		a.Steps = 1
	}
	if spec.Steps != a.Steps {
		a.RunSteps = spec.Steps
	}
	copies := 1
	if u == models.HHvUnit {
		a.Extra = 1 // the gain of each spiking layer
		if spec.Conv {
			a.Extra = 2
		}
	}
	if u == models.SLIFUnit {
		copies, a.Extra = 3, 4 // three input products; the mixing layer's 3 weights and bias
	}
	var feat int
	if spec.Conv {
		c1, c2 := conv(1, w, 36), conv(w, w, 18)
		c1.Static = true
		c1.Copies, c2.Copies = copies, copies
		feat = w * 9 * 9
		a.Stages = []Stage{c1, neurons(w*36*36, u), c2, neurons(w*18*18, u)}
		if u == models.HHUnit {
			a.Frozen = 6 * (36 + 18) // one value per feature-map column
		}
	} else {
		proj := linear(1296, w)
		proj.Static, proj.Copies = true, copies
		feat = w
		a.Stages = []Stage{proj, neurons(w, u)}
		if u == models.HHUnit {
			a.Frozen = 6 * w
		}
	}
	if u == models.SLIFUnit {
		feat *= 4 // all four sub-neurons are read out
	}
	read := linear(feat, 50)
	read.Once = true
	a.Stages = append(a.Stages, read)
	return a
}

// Lookup returns the architecture called name.
func Lookup(name string) (Arch, error) {
	var names []string
	for _, a := range Archs() {
		if a.Name == name {
			return a, nil
		}
		names = append(names, a.Name)
	}
	return Arch{}, fmt.Errorf("unknown model %q (want one of %s)", name, strings.Join(names, ", "))
}

// product is the multiplications and additions of one copy of a product.
func (s Stage) product() (mul, add int64) {
	if s.K > 0 {
		k := int64(s.K * s.K * s.Cin)
		outs := int64(s.Cout * s.H * s.W)
		return k * outs, (k - 1) * outs
	}
	return int64(s.In) * int64(s.Out), int64(s.In-1) * int64(s.Out)
}

// Dense counts multiplications and additions per sample by the paper's
// rules (docs/model.md §6): every product at every step (the read-out once),
// each neuron's cost at every step; heads and pooling not counted;
// s-LIF2HH's layer-2 convolutions once each, on the summed spike map.
func (a Arch) Dense() (mul, add int64) {
	return a.count(false)
}

// Executed counts what the implementation computes per sample in a forward
// pass: products on the static image once, not at every step, and the
// model's own number of steps.
func (a Arch) Executed() (mul, add int64) {
	return a.count(true)
}

func (a Arch) count(hoisted bool) (mul, add int64) {
	T := int64(a.Steps)
	if hoisted && a.RunSteps > 0 {
		T = int64(a.RunSteps)
	}
	for _, s := range a.Stages {
		if s.Neurons > 0 {
			m, ad := neuronCost(s.Unit)
			mul += m * int64(s.Neurons) * T
			add += ad * int64(s.Neurons) * T
			continue
		}
		m, ad := s.product()
		times := T
		if s.Once || hoisted && s.Static {
			times = 1
		}
		c := int64(s.Copies) * times
		mul += m * c
		add += ad * c
	}
	return mul, add
}

// Params counts the trainable parameters: products' weights and biases,
// the shared extras, and the two task heads Linear(50→10).
func (a Arch) Params() int64 {
	n := int64(a.Extra) + 2*(50*10+10)
	for _, s := range a.Stages {
		switch {
		case s.Neurons > 0:
		case s.K > 0:
			n += int64(s.Copies) * int64(s.K*s.K*s.Cin*s.Cout+s.Cout)
		default:
			n += int64(s.Copies) * int64(s.In*s.Out+s.Out)
		}
	}
	return n
}

// FanOut is how many multiplications of the next product one spike of the
// first spiking stage takes part in: the read-out's 50 outputs in the fc
// models; in the conv models a spike enters one 2×2-pooled value, which
// 3×3·Cout (times the copies) outputs of the second convolution read.
func (a Arch) FanOut() int {
	for i, s := range a.Stages {
		if s.Neurons == 0 || i+1 >= len(a.Stages) {
			continue
		}
		next := a.Stages[i+1]
		if next.K > 0 {
			return next.K * next.K * next.Cout * next.Copies
		}
		return next.Out
	}
	return 0
}
