package nn

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
	for i, v := range x {
		out[i] = spikeOf(s.Surrogate, max(v, 0)-s.Theta)
	}
}

// Backward overwrites dx with the gradient of x given dOut and the input x.
func (s Step[F]) Backward(dx, dOut, x []F) {
	dx, dOut = dx[:len(x)], dOut[:len(x)]
	for i, v := range x {
		if v > 0 {
			dx[i] = dOut[i] * gradOf(s.Surrogate, v-s.Theta)
		} else {
			dx[i] = 0
		}
	}
}
