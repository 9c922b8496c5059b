package nn

import "github.com/hhnet/hhnet/internal/kernels"

// Step is the binary activation of the ANN and CNN baselines: a ReLU
// followed by a spike of the rectified value, s = Spike(max(x, 0) − Theta),
// whose backward is Grad(max(x, 0) − Theta) where x > 0 and 0 elsewhere.
type Step[F Float] struct {
	Theta     F
	Surrogate Surrogate[F]
}

// Forward overwrites out with the activation of x.
func (s Step[F]) Forward(out, x []F) {
	out = out[:len(x)]
	if isFast32(s.Surrogate) {
		if i := vectorPart(len(x)); i > 0 {
			kernels.StepForward(float32(s.Theta), any(&out[0]).(*float32), any(&x[0]).(*float32), i)
			out, x = out[i:], x[i:]
		}
	}
	for i, v := range x {
		out[i] = spikeOf(s.Surrogate, max(v, 0)-s.Theta)
	}
}

// Backward overwrites dx with the gradient of x given dOut and the input x.
func (s Step[F]) Backward(dx, dOut, x []F) {
	dx, dOut = dx[:len(x)], dOut[:len(x)]
	if isFast32(s.Surrogate) {
		if i := vectorPart(len(x)); i > 0 {
			kernels.StepBackward(float32(s.Theta), float32(s.Surrogate.Lens), any(&dx[0]).(*float32),
				any(&dOut[0]).(*float32), any(&x[0]).(*float32), i)
			dx, dOut, x = dx[i:], dOut[i:], x[i:]
		}
	}
	for i, v := range x {
		// dOut times a zero, not a zero: the kernel's signed zeros.
		var g F
		if v > 0 {
			g = gradOf(s.Surrogate, v-s.Theta)
		}
		dx[i] = dOut[i] * g
	}
}
