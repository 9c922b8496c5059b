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
		stepForward32(float32(s.Theta), any(out).([]float32), any(x).([]float32))
		return
	}
	for i, v := range x {
		out[i] = spikeOf(s.Surrogate, max(v, 0)-s.Theta)
	}
}

// Backward overwrites dx with the gradient of x given dOut and the input x.
func (s Step[F]) Backward(dx, dOut, x []F) {
	dx, dOut = dx[:len(x)], dOut[:len(x)]
	if isFast32(s.Surrogate) {
		stepBackward32(float32(s.Theta), float32(s.Surrogate.Lens), any(dx).([]float32), any(dOut).([]float32), any(x).([]float32))
		return
	}
	for i, v := range x {
		if v > 0 {
			dx[i] = dOut[i] * gradOf(s.Surrogate, v-s.Theta)
		} else {
			dx[i] = 0
		}
	}
}

// stepForward32Scalar is Forward in float32 without branches (spike maps
// make them unpredictable): max(v, 0) > θ.
func stepForward32Scalar(th float32, out, x []float32) {
	out = out[:len(x)]
	for i, v := range x {
		out[i] = above(max(v, 0), th)
	}
}

// stepBackward32Scalar is Backward in float32 without branches.
func stepBackward32Scalar(th, lens float32, dx, dOut, x []float32) {
	dx, dOut = dx[:len(x)], dOut[:len(x)]
	for i, v := range x {
		dx[i] = dOut[i] * (above(v, 0) * within(v-th, lens))
	}
}

// stepForward32 is the binary unit's float32 forward (stepForward32Scalar).
func stepForward32(th float32, out, x []float32) {
	out = out[:len(x)]
	i := vectorPart(len(x))
	if i > 0 {
		kernels.StepForward(th, &out[0], &x[0], i)
	}
	if i < len(x) {
		stepForward32Scalar(th, out[i:], x[i:])
	}
}

// stepBackward32 is the binary unit's float32 backward (stepBackward32Scalar).
func stepBackward32(th, lens float32, dx, dOut, x []float32) {
	dx, dOut = dx[:len(x)], dOut[:len(x)]
	i := vectorPart(len(x))
	if i > 0 {
		kernels.StepBackward(th, lens, &dx[0], &dOut[0], &x[0], i)
	}
	if i < len(x) {
		stepBackward32Scalar(th, lens, dx[i:], dOut[i:], x[i:])
	}
}
