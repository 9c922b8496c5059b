package kernels

// HHFastTable holds HHFastStep's 36 constants, each broadcast to four
// float64 lanes, in the order the kernel reads them (the generator's
// hhFastSlots); pass it as (*[144]float64)(t).
type HHFastTable [144]float64

// HHFastParams are a population's values in the fast HH step: the rest
// offset, the 0/0 points' offsets dn and dm and the exponential's factors
// cn, cm and ch (package neuron's fastConsts), the conductances and
// reversal potentials, the step dt and dt/C.
type HHFastParams struct {
	Rest, DN, DM, CN, CM, CH float64
	GNa, GK, GL, ENa, EK, EL float64
	Dt, DtC                  float64
}

// Set fills t for p.
func (t *HHFastTable) Set(p HHFastParams) {
	vals := [36]float64{
		p.Rest, 180, -180, 1e-3, -1e-3, -1.0 / 720, 1,
		1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
		1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
		p.CN, p.CM, p.CH, p.DN, p.DM, 0.01, 0.1, 0.07, 0.125, 4,
		p.GNa, p.GK, p.GL, p.ENa, p.EK, p.EL, p.Dt, p.DtC,
	}
	for i, v := range vals {
		for j := range 4 {
			t[4*i+j] = v
		}
	}
}
