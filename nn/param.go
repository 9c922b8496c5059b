package nn

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/tensor"
)

// Float is the element type (float32 to train, float64 to check).
type Float = tensor.Float

// Param is a trainable tensor and its gradient, which Backward passes add
// into and the optimiser zeroes.
type Param[F Float] struct {
	Name  string
	Shape []int
	Value []F
	Grad  []F
}

// NewParam returns a zeroed parameter of the given shape.
func NewParam[F Float](name string, shape ...int) *Param[F] {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &Param[F]{Name: name, Shape: shape, Value: make([]F, n), Grad: make([]F, n)}
}

// Uniform fills p with draws from U(−bound, bound).
func (p *Param[F]) Uniform(rng *rand.Rand, bound float64) {
	for i := range p.Value {
		p.Value[i] = F((2*rng.Float64() - 1) * bound)
	}
}

// ZeroGrads zeroes the gradients of params.
func ZeroGrads[F Float](params []*Param[F]) {
	for _, p := range params {
		clear(p.Grad)
	}
}

// Count returns the number of values in params.
func Count[F Float](params []*Param[F]) int {
	n := 0
	for _, p := range params {
		n += len(p.Value)
	}
	return n
}
