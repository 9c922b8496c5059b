package neuron

// SLIF2HH is a population of s-LIF2HH units, the constant-parameter
// simplification of TVLIF2HH used in the paper's signal experiment
// (docs/model.md §3). Each unit holds four discrete-time LIFs without units of time:
//
//	U_k ← Decay·U_k + In_k        k = 1, 2, 3
//	U_4 ← Decay·U_4 + (U_1 + U_2 + U_3)   (the new values)
//
// After the update Above[k] records U_k > Threshold for each sub-neuron (the
// flags a downstream layer reads); the unit fires when all four are above,
// and then all four reset to 0. The paper's values are Decay = 0.9 and
// Threshold = 70 with a 1-ms step.
type SLIF2HH struct {
	Decay, Threshold float64
	U                [4][]float64
	In               [3][]float64 // inputs of LIF₁..₃, set by the caller before each step
	Above            [4][]bool    // sub-neuron flags of the last step, taken before the reset
	Fired            []bool       // unit spikes of the last step
}

// NewSLIF2HH returns n units at zero with the given decay and threshold.
func NewSLIF2HH(decay, threshold float64, n int) *SLIF2HH {
	s := &SLIF2HH{Decay: decay, Threshold: threshold, Fired: make([]bool, n)}
	for k := range s.U {
		s.U[k] = make([]float64, n)
		s.Above[k] = make([]bool, n)
	}
	for k := range s.In {
		s.In[k] = make([]float64, n)
	}
	return s
}

// Len returns the number of units.
func (s *SLIF2HH) Len() int { return len(s.Fired) }

// Step advances every unit by one step.
func (s *SLIF2HH) Step() {
	d, th := s.Decay, s.Threshold
	for i := range s.Fired {
		u1 := d*s.U[0][i] + s.In[0][i]
		u2 := d*s.U[1][i] + s.In[1][i]
		u3 := d*s.U[2][i] + s.In[2][i]
		u4 := d*s.U[3][i] + (u1 + u2 + u3)
		a1, a2, a3, a4 := u1 > th, u2 > th, u3 > th, u4 > th
		s.Above[0][i], s.Above[1][i], s.Above[2][i], s.Above[3][i] = a1, a2, a3, a4
		fired := a1 && a2 && a3 && a4
		s.Fired[i] = fired
		if fired {
			u1, u2, u3, u4 = 0, 0, 0, 0
		}
		s.U[0][i], s.U[1][i], s.U[2][i], s.U[3][i] = u1, u2, u3, u4
	}
}
