package models

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// FC is a fully-connected model: in → spiking layer (T steps, the image
// presented at every step) → rate = spike count / T → Linear(→Hidden) →
// two heads Linear(Hidden→10).
//
// The image does not change over time, so the input projection is
// computed once per batch and its weight gradient is one product of the
// time-summed input gradient — the same numbers as projecting at every
// step (TestHoistedEqualsPerStep), T times cheaper. The spiking layer runs
// its static form (package nn). s-LIF2HH's three projections are one
// Linear of width 3·Width, laid out [batch][3][Width].
type FC[F nn.Float] struct {
	spec          Spec
	in, hidden    int
	features      int // rate features: Width, or 4·Width for s-LIF2HH
	pool          *tensor.Pool
	proj          *nn.Linear[F]
	unit          unit[F] // the spiking (or binary) layer
	read          *nn.Linear[F]
	head1, head2  *nn.Linear[F]
	params        []*nn.Param[F]
	batch         int
	x             []F
	xs            tensor.Sparse[F] // x's nonzeros
	sparseIn      bool             // the last Forward projected from xs (images are mostly dark; noisy ones are not)
	cur, dCur     []F              // [batch, projection outputs]
	rate, dRate   []F              // [batch, features]
	hid, dHid, dH []F              // [batch, Hidden]
	out1, out2    []F              // [batch, 10]
}

func newFC[F nn.Float](spec Spec, opts Options, rng *rand.Rand) *FC[F] {
	m := &FC[F]{spec: spec, in: opts.In, hidden: opts.Hidden, features: spec.Width, pool: opts.Pool}
	sg := nn.Surrogate[F]{Lens: F(spec.Lens), Smooth: F(opts.Smooth)}
	// s-LIF2HH has three input projections and four outputs per unit.
	ins, outs := 1, 1
	if spec.Unit == SLIFUnit {
		ins, outs = 3, 4
	}
	projOut := ins * spec.Width
	m.features = outs * spec.Width
	m.proj = nn.NewLinear[F]("proj", opts.In, projOut, rng)
	if spec.Unit == HHUnit {
		// The paper scales the input weights (not the bias) by 0.01 at
		// initialisation, keeping the first steps' drive small.
		for i := range m.proj.W.Value {
			m.proj.W.Value[i] *= 0.01
		}
	}
	m.unit = newUnit(spec, spec.Width, sg, rng, opts.Pool)
	m.read = nn.NewLinear[F]("fc", m.features, opts.Hidden, rng)
	m.head1 = nn.NewLinear[F]("task1", opts.Hidden, 10, rng)
	m.head2 = nn.NewLinear[F]("task2", opts.Hidden, 10, rng)
	m.params = append(m.params, m.proj.Params()...)
	m.params = append(m.params, m.unit.params()...)
	for _, l := range []*nn.Linear[F]{m.proj, m.read, m.head1, m.head2} {
		l.Pool = opts.Pool
	}
	for _, l := range []*nn.Linear[F]{m.read, m.head1, m.head2} {
		m.params = append(m.params, l.Params()...)
	}
	return m
}

// Spec returns the model's definition.
func (m *FC[F]) Spec() Spec { return m.spec }

// Params returns the trainable parameters.
func (m *FC[F]) Params() []*nn.Param[F] { return m.params }

// Spikes is the number of hidden-layer spikes of the last Forward.
func (m *FC[F]) Spikes() float64 {
	var n float64
	for _, r := range m.rate {
		n += float64(r)
	}
	return n * float64(m.spec.Steps)
}

// ReadoutRate is the mean firing rate of the spiking layer in the last Forward.
func (m *FC[F]) ReadoutRate() float64 { return mean(m.rate) }

// mean is the mean of v (0 for none).
func mean[F nn.Float](v []F) float64 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(max(len(v), 1))
}

// Frozen returns the HH layer's rate coefficients (none for the other units).
func (m *FC[F]) Frozen() [][]F { return m.unit.frozen() }

// CountFrozen is the number of values in a model's frozen parameters.
func CountFrozen[F nn.Float](m Model[F]) int {
	n := 0
	for _, v := range m.Frozen() {
		n += len(v)
	}
	return n
}

// size grows the buffers for batch samples.
func (m *FC[F]) size(batch int) {
	m.batch = batch
	c := batch * m.proj.Out
	m.cur, m.dCur = growTo(m.cur, c), growTo(m.dCur, c)
	m.rate, m.dRate = growTo(m.rate, batch*m.features), growTo(m.dRate, batch*m.features)
	m.hid, m.dHid, m.dH = growTo(m.hid, batch*m.hidden), growTo(m.dHid, batch*m.hidden), growTo(m.dH, batch*m.hidden)
	m.out1, m.out2 = growTo(m.out1, batch*10), growTo(m.out2, batch*10)
}

func growTo[F nn.Float](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}

// Forward runs the model on x [batch, In].
func (m *FC[F]) Forward(x []F, batch int) (logits1, logits2 []F) {
	m.size(batch)
	m.x = x
	m.xs.Set(m.pool, x, batch, m.in)
	m.sparseIn = m.xs.Worthwhile()
	if m.sparseIn {
		m.proj.ForwardSparse(m.cur, &m.xs)
	} else {
		m.proj.Forward(m.cur, x, batch)
	}
	T := m.spec.Steps
	m.unit.forwardStatic(m.pool, m.rate, m.cur, batch, m.spec.Width, T)
	if T > 1 {
		inv := 1 / F(T)
		for i := range m.rate {
			m.rate[i] *= inv
		}
	}
	m.read.Forward(m.hid, m.rate, batch)
	m.head1.Forward(m.out1, m.hid, batch)
	m.head2.Forward(m.out2, m.hid, batch)
	return m.out1, m.out2
}

// Backward back-propagates the logits' gradients through time.
func (m *FC[F]) Backward(dLogits1, dLogits2 []F) {
	batch, T := m.batch, m.spec.Steps
	m.head1.Backward(m.dHid, dLogits1, m.hid, batch)
	m.head2.Backward(m.dH, dLogits2, m.hid, batch)
	tensor.Add(m.dHid, m.dH)
	m.read.Backward(m.dRate, m.dHid, m.rate, batch)
	if T > 1 {
		// From the gradient of the rate to that of the spike count.
		inv := 1 / F(T)
		for i := range m.dRate {
			m.dRate[i] *= inv
		}
	}
	m.unit.backwardStatic(m.pool, m.dCur, m.dRate, m.cur)
	if m.sparseIn {
		m.proj.BackwardSparse(m.dCur, &m.xs)
	} else {
		m.proj.Backward(nil, m.dCur, m.x, batch)
	}
}

// HHvFiring returns the HHv layer's firing statistics on the inputs of the
// last Forward (ok is false for the other units).
func (m *FC[F]) HHvFiring() (f nn.HHvFiring, ok bool) {
	u, ok := m.unit.(*hhvUnit[F])
	if !ok {
		return f, false
	}
	return u.Firing(m.cur[:m.batch*m.spec.Width]), true
}
