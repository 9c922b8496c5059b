//go:build !(goexperiment.simd && amd64)

package neuron

// stepFastVector has no vector path in this build; it steps nothing and
// leaves the whole range to the scalar kernel.
func (h *HH) stepFastVector(dt float64, lo, hi int) int { return lo }
