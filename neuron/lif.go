package neuron

import "math"

// LIFParams are the constants of the simulation LIF neuron.
type LIFParams struct {
	C         float64 // membrane capacitance, µF/cm² (the time constant in ms for unit resistance)
	URest     float64 // resting potential, mV
	Threshold float64 // spike when U > Threshold after the update; +Inf never spikes
	UReset    float64 // value U takes after a spike, mV
}

// DefaultLIF returns C = 1, U_rest = 0 and no threshold: a pure leaky
// integrator, the building block of TVLIF2HH.
func DefaultLIF() LIFParams { return LIFParams{C: 1, Threshold: math.Inf(1)} }

// lifStep is the forward Euler LIF update u ← u + dt·(−(u − U_rest)/C + I/C),
// shared by LIF and the four sub-neurons of TVLIF2HH so both integrate the
// same equation with the same arithmetic.
func lifStep(u, uRest, c, in, dt float64) float64 {
	return u + dt*(-(u-uRest)/c+in/c)
}

// LIF is a population of leaky integrate-and-fire neurons advanced by
// forward Euler: U ← U + dt·(−(U − U_rest)/C + I/C); then, where
// U > Threshold, Spiked is set and U ← UReset. IExt (µA/cm²) is set by the
// caller before each step.
type LIF struct {
	Params LIFParams
	U      []float64
	IExt   []float64
	Spiked []bool
}

// NewLIF returns n neurons at rest with zero input.
func NewLIF(p LIFParams, n int) *LIF {
	l := &LIF{Params: p, U: make([]float64, n), IExt: make([]float64, n), Spiked: make([]bool, n)}
	for i := range l.U {
		l.U[i] = p.URest
	}
	return l
}

// Len returns the number of neurons.
func (l *LIF) Len() int { return len(l.U) }

// Step advances every neuron by dt ms.
func (l *LIF) Step(dt float64) {
	p := &l.Params
	for i, u := range l.U {
		u = lifStep(u, p.URest, p.C, l.IExt[i], dt)
		l.Spiked[i] = u > p.Threshold
		if l.Spiked[i] {
			u = p.UReset
		}
		l.U[i] = u
	}
}
