package sim

import (
	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/ode"
)

// Population is a group of neurons a Network can advance.
type Population interface {
	Len() int
	// Input is the current (µA/cm²) for the next step; the network writes it.
	Input() []float64
	// Voltage is the output compared with the group's threshold.
	Voltage() []float64
	// Step advances every neuron by dt ms.
	Step(dt float64)
}

// snapshotter is implemented by populations that must read another
// population's state before any population of the network steps.
type snapshotter interface {
	snapshot()
}

// HHPop adapts a neuron.HH population. With a nil Stepper it uses the exact
// forward Euler kernel of the paper (neuron.HH.StepEuler); Fast selects the
// fast Euler kernel instead; any other ode.Stepper (RK4, Rush–Larsen) is used
// through the generic interface.
type HHPop struct {
	*neuron.HH
	Stepper ode.Stepper
	Fast    bool
	t       float64
}

// Input implements Population.
func (p *HHPop) Input() []float64 { return p.IExt }

// Voltage implements Population.
func (p *HHPop) Voltage() []float64 { return p.V }

// rangeStepper is implemented by populations whose neurons can be stepped
// in disjoint ranges concurrently.
type rangeStepper interface {
	stepRange(dt float64, lo, hi int) bool // false: cannot split this step
}

func (p *HHPop) stepRange(dt float64, lo, hi int) bool {
	switch {
	case p.Stepper != nil:
		return false
	case p.Fast:
		p.StepEulerFastRange(dt, lo, hi)
	default:
		p.StepEulerRange(dt, lo, hi)
	}
	return true
}

// Step implements Population.
func (p *HHPop) Step(dt float64) {
	switch {
	case p.Stepper != nil:
		p.Stepper.Step(p.HH, p.t, dt, p.Y)
	case p.Fast:
		p.StepEulerFast(dt)
	default:
		p.StepEuler(dt)
	}
	p.t += dt
}

// TVPop adapts a neuron.TVLIF2HH population. Paired with a source HH
// population it takes, at the start of each Network step, the source's
// old-state conductances; standalone it runs on its own gates.
type TVPop struct {
	*neuron.TVLIF2HH
	source  *neuron.HH
	gNa, gK []float64
}

// NewTVPop adapts tv; source is the HH population whose conductances drive it
// (same length, stepped in the same Network), or nil for the standalone form.
func NewTVPop(tv *neuron.TVLIF2HH, source *neuron.HH) *TVPop {
	p := &TVPop{TVLIF2HH: tv, source: source}
	if source != nil {
		if source.Len() != tv.Len() {
			panic("sim: NewTVPop: source length differs from the population")
		}
		p.gNa, p.gK = make([]float64, tv.Len()), make([]float64, tv.Len())
	}
	return p
}

// Input implements Population.
func (p *TVPop) Input() []float64 { return p.IExt }

// Voltage implements Population.
func (p *TVPop) Voltage() []float64 { return p.Out }

func (p *TVPop) snapshot() {
	if p.source != nil {
		p.source.Conductances(p.gNa, p.gK)
	}
}

func (p *TVPop) stepRange(dt float64, lo, hi int) bool {
	if p.source == nil {
		return false
	}
	p.StepWithRange(dt, lo, hi, p.gNa, p.gK)
	return true
}

// Step implements Population. A paired population uses the conductances of
// its last snapshot, which Network.Step takes before any group steps.
func (p *TVPop) Step(dt float64) {
	if p.source == nil {
		p.TVLIF2HH.Step(dt)
		return
	}
	p.StepWith(dt, p.gNa, p.gK)
}

// LIFPop adapts a neuron.LIF population.
type LIFPop struct{ *neuron.LIF }

// Input implements Population.
func (p LIFPop) Input() []float64 { return p.IExt }

// Voltage implements Population.
func (p LIFPop) Voltage() []float64 { return p.U }
