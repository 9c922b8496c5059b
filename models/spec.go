package models

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// Unit is the kind of neuron a model's hidden layer is made of.
type Unit int

const (
	LIFUnit  Unit = iota // leaky integrate-and-fire with reset
	HHUnit               // the paper's trainable Hodgkin–Huxley
	SLIFUnit             // s-LIF2HH: four LIF sub-neurons
	StepUnit             // ReLU then a binary step (ANN baseline), one time step
	HHvUnit              // Hodgkin–Huxley with voltage-dependent gating (nn.HHv; ours)
)

// Spec is a model's published definition and training settings (docs/model.md §4).
type Spec struct {
	Name  string
	Unit  Unit
	Conv  bool // convolutional (two conv stages) rather than fully connected
	Width int  // fc: neurons (units for s-LIF2HH) of the spiking layer; conv: channels
	Steps int  // time steps T
	// Theta is the firing threshold and Lens the half-width of the
	// rectangular surrogate.
	Theta, Lens float64
	Decay       float64 // LIF and s-LIF2HH membrane decay
	Dt          float64 // HH time step
	// Gains are HHv's initial input gains, of the first and (conv) second
	// spiking layer: the input current in µA/cm² per unit of synaptic input.
	Gains [2]float64
	// Optimiser: Adam with L2 weight decay, LR ×0.1 at each milestone epoch.
	LR, WeightDecay float64
	Milestones      []int
}

// Specs returns the published models, in the study's order.
func Specs() []Spec {
	conv := func(s Spec) Spec {
		s.Conv = true
		s.LR, s.WeightDecay, s.Milestones = 3e-3, 3e-4, []int{20, 30}
		if s.Unit == StepUnit {
			s.LR, s.WeightDecay = 1e-3, 1e-4
		}
		if s.Steps == 0 {
			s.Steps = 15
		}
		return s
	}
	fc := func(s Spec) Spec {
		s.LR, s.WeightDecay, s.Milestones = 1e-4, 1e-5, []int{10, 20, 30}
		if s.Steps == 0 {
			s.Steps = 15
		}
		return s
	}
	return []Spec{
		fc(Spec{Name: "LIF_fc", Unit: LIFUnit, Width: 512, Theta: 0.3, Lens: 0.5, Decay: 0.2}),
		fc(Spec{Name: "HH_fc", Unit: HHUnit, Width: 512, Theta: 0.2, Lens: 0.3, Dt: 0.01}),
		fc(Spec{Name: "LIF_hh_fc", Unit: SLIFUnit, Width: 512, Theta: 2, Lens: 0.4, Decay: 0.5}),
		fc(Spec{Name: "4LIF_fc", Unit: LIFUnit, Width: 2048, Theta: 0.3, Lens: 0.5, Decay: 0.2}),
		fc(Spec{Name: "ANN", Unit: StepUnit, Width: 512, Steps: 1, Theta: 0.5, Lens: 0.5}),
		conv(Spec{Name: "LIF_conv", Unit: LIFUnit, Width: 10, Theta: 0.3, Lens: 0.5, Decay: 0.2}),
		conv(Spec{Name: "HH_conv", Unit: HHUnit, Width: 10, Theta: 2.3, Lens: 0.5, Dt: 0.1}),
		conv(Spec{Name: "LIF_hh_conv", Unit: SLIFUnit, Width: 10, Steps: 10, Theta: 0.3, Lens: 0.4, Decay: 0.2}),
		conv(Spec{Name: "4LIF_conv", Unit: LIFUnit, Width: 40, Theta: 0.3, Lens: 0.5, Decay: 0.2}),
		conv(Spec{Name: "CNN", Unit: StepUnit, Width: 10, Steps: 1, Theta: 0.5, Lens: 0.5}),
		fc(Spec{Name: "HHv_fc", Unit: HHvUnit, Width: 512, Theta: 25, Lens: 20, Gains: [2]float64{30}}),
		conv(Spec{Name: "HHv_conv", Unit: HHvUnit, Width: 10, Theta: 25, Lens: 20, Gains: [2]float64{20, 40}}),
	}
}

// Names lists the model names.
func Names() []string {
	var names []string
	for _, s := range Specs() {
		names = append(names, s.Name)
	}
	return names
}

// Lookup returns the spec called name.
func Lookup(name string) (Spec, error) {
	for _, s := range Specs() {
		if s.Name == name {
			return s, nil
		}
	}
	return Spec{}, fmt.Errorf("unknown model %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// Model is a two-task network. Forward must precede Backward on the same
// batch; the slices Forward returns are the model's own and are
// overwritten by the next call.
type Model[F nn.Float] interface {
	Spec() Spec
	// Forward maps x [batch, 1, 36, 36] to the logits of both tasks, [batch, 10] each.
	Forward(x []F, batch int) (logits1, logits2 []F)
	// Backward takes the loss gradients of the logits and adds the
	// parameter gradients into Params' Grad.
	Backward(dLogits1, dLogits2 []F)
	// Params are the trainable parameters, in a fixed order.
	Params() []*Param[F]
	// Frozen returns the fixed, untrained parameters (the HH rate
	// coefficients), as views that can be written to restore them.
	Frozen() [][]F
	// Spikes is the number of spikes the hidden layer emitted over the
	// batch of the last Forward (binary activations for the ANN).
	Spikes() float64
	// ReadoutRate is the mean input of the read-out layer in the last
	// Forward: the last spiking layer's firing rates (the ANN's and CNN's
	// binary activations). 0 means the read-out received nothing, and the
	// layers below it no gradient.
	ReadoutRate() float64
}

// Param is nn.Param, re-exported so callers of Model need not import nn.
type Param[F nn.Float] = nn.Param[F]

// Options changes a model's size or spike function, for tests; the zero
// value builds the published model.
type Options struct {
	In     int     // fc: inputs per sample (default 36·36)
	Side   int     // conv: image side, a multiple of 4 (default 36)
	Width  int     // spiking-layer width (default the spec's)
	Hidden int     // shared read-out layer width (default 50)
	Steps  int     // time steps (default the spec's)
	Smooth float64 // > 0: smooth sigmoid spikes of this slope (gradient checks)
	// Pool splits large products and the spiking layers' neurons over
	// goroutines; nil runs everything on the caller's.
	Pool *tensor.Pool
}

// New builds the model called name with parameters drawn from rng.
func New[F nn.Float](name string, rng *rand.Rand, opts Options) (Model[F], error) {
	spec, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if opts.Width > 0 {
		spec.Width = opts.Width
	}
	if opts.Steps > 0 && spec.Unit != StepUnit { // the ANN has one step
		spec.Steps = opts.Steps
	}
	if opts.In <= 0 {
		opts.In = 36 * 36
	}
	if opts.Hidden <= 0 {
		opts.Hidden = 50
	}
	if spec.Conv {
		if opts.Side <= 0 {
			opts.Side = 36
		}
		if opts.Side%4 != 0 {
			return nil, fmt.Errorf("models: image side %d is not a multiple of 4", opts.Side)
		}
		return newConv[F](spec, opts, rng), nil
	}
	return newFC[F](spec, opts, rng), nil
}
