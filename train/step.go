package train

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// Stepper holds a float32 model, its optimiser and the loss buffers: one
// training step is Step, evaluation is Eval. Nothing allocates after the
// first step of the largest batch.
type Stepper struct {
	Model  models.Model[float32]
	Adam   *nn.Adam[float32]
	Pool   *tensor.Pool // GOMAXPROCS workers; Close releases them
	d1, d2 []float32
}

// NewStepper builds the named model from seed with Adam at the spec's
// weight decay, on a pool of GOMAXPROCS workers.
func NewStepper(name string, seed uint64) (*Stepper, error) { return NewStepperOn(name, seed, 0) }

// NewStepperOn is NewStepper on a pool of the given workers (≤ 0: one per
// core); the results do not depend on them.
func NewStepperOn(name string, seed uint64, workers int) (*Stepper, error) {
	pool := tensor.NewPool(workers)
	m, err := models.New[float32](name, rand.New(rand.NewPCG(seed, 0x6d6f64656c)), models.Options{Pool: pool})
	if err != nil {
		pool.Close()
		return nil, err
	}
	a := nn.NewAdam(m.Params(), m.Spec().WeightDecay)
	a.Pool = pool
	return &Stepper{Model: m, Adam: a, Pool: pool}, nil
}

// Close stops the pool's workers.
func (s *Stepper) Close() { s.Pool.Close() }

// Result sums what a batch gave: the summed losses of both tasks (mean
// over the batch) and the correct answers per task.
type Result struct {
	Loss               float64
	Correct1, Correct2 int
	N                  int
}

func (s *Stepper) loss(x []float32, labels []int32, n int, grads bool) Result {
	o1, o2 := s.Model.Forward(x, n)
	var d1, d2 []float32
	if grads {
		if cap(s.d1) < 10*n {
			s.d1, s.d2 = make([]float32, 10*n), make([]float32, 10*n)
		}
		d1, d2 = s.d1[:10*n], s.d2[:10*n]
	}
	l1, c1 := nn.SoftmaxCrossEntropy(d1, o1, labels, 2, n, 10)
	l2, c2 := nn.SoftmaxCrossEntropy(d2, o2, labels[1:], 2, n, 10)
	return Result{Loss: l1 + l2, Correct1: c1, Correct2: c2, N: n}
}

// Step trains on one batch (x [n, 1296], labels [n, 2]) at learning rate lr.
func (s *Stepper) Step(x []float32, labels []int32, n int, lr float64) Result {
	r := s.loss(x, labels, n, true)
	s.Model.Backward(s.d1[:10*n], s.d2[:10*n])
	s.Adam.Step(s.Model.Params(), lr)
	return r
}

// Eval runs the model forward on one batch.
func (s *Stepper) Eval(x []float32, labels []int32, n int) Result {
	return s.loss(x, labels, n, false)
}
