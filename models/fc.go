package models

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
)

// FC is a fully-connected model: in → spiking layer (T steps, the image
// presented at every step) → rate = spike count / T → Linear(→Hidden) →
// two heads Linear(Hidden→10).
//
// The image does not change over time, so the input projections are
// computed once per batch and their weight gradient is one product of the
// time-summed input gradient — the same numbers as projecting at every
// step (TestHoistedEqualsPerStep), T times cheaper.
type FC[F nn.Float] struct {
	spec          Spec
	in, hidden    int
	features      int // rate features: Width, or 4·Width for s-LIF2HH
	proj          []*nn.Linear[F]
	lif           *nn.LIF[F]
	hh            *nn.HH[F]
	slif          *nn.SLIF2HH[F]
	step          nn.Step[F]
	read          *nn.Linear[F]
	head1, head2  *nn.Linear[F]
	params        []*nn.Param[F]
	batch         int
	x             []F
	cur, dCur     [][]F // per projection [batch, Width]
	rate, dRate   []F   // [batch, features]
	hid, dHid, dH []F   // [batch, Hidden]
	out1, out2    []F   // [batch, 10]
	dSpk          [4][]F
}

func newFC[F nn.Float](spec Spec, opts Options, rng *rand.Rand) *FC[F] {
	m := &FC[F]{spec: spec, in: opts.In, hidden: opts.Hidden, features: spec.Width}
	sg := nn.Surrogate[F]{Lens: F(spec.Lens), Smooth: F(opts.Smooth)}
	nproj := 1
	if spec.Unit == SLIFUnit {
		nproj, m.features = 3, 4*spec.Width
	}
	for p := 0; p < nproj; p++ {
		m.proj = append(m.proj, nn.NewLinear[F](projName(p), opts.In, spec.Width, rng))
	}
	switch spec.Unit {
	case LIFUnit:
		m.lif = &nn.LIF[F]{Decay: F(spec.Decay), Theta: F(spec.Theta), Surrogate: sg}
	case HHUnit:
		// The paper scales the input weights (not the bias) by 0.01 at
		// initialisation, keeping the first steps' drive small.
		for i := range m.proj[0].W.Value {
			m.proj[0].W.Value[i] *= 0.01
		}
		m.hh = nn.NewHH(spec.Width, F(spec.Dt), F(spec.Theta), sg, rng)
	case SLIFUnit:
		m.slif = nn.NewSLIF2HH("slif", F(spec.Decay), F(spec.Theta), sg, rng)
	case StepUnit:
		m.step = nn.Step[F]{Theta: F(spec.Theta), Surrogate: sg}
	}
	m.read = nn.NewLinear[F]("fc", m.features, opts.Hidden, rng)
	m.head1 = nn.NewLinear[F]("task1", opts.Hidden, 10, rng)
	m.head2 = nn.NewLinear[F]("task2", opts.Hidden, 10, rng)
	for _, p := range m.proj {
		m.params = append(m.params, p.Params()...)
	}
	if m.slif != nil {
		m.params = append(m.params, m.slif.Params()...)
	}
	for _, l := range []*nn.Linear[F]{m.read, m.head1, m.head2} {
		m.params = append(m.params, l.Params()...)
	}
	m.cur, m.dCur = make([][]F, nproj), make([][]F, nproj)
	return m
}

func projName(p int) string {
	if p == 0 {
		return "proj"
	}
	return "proj" + string(rune('0'+p))
}

// Spec returns the model's definition.
func (m *FC[F]) Spec() Spec { return m.spec }

// Params returns the trainable parameters.
func (m *FC[F]) Params() []*nn.Param[F] { return m.params }

// Frozen returns the number of frozen HH rate coefficients (0 for the others).
func (m *FC[F]) Frozen() int {
	if m.hh != nil {
		return m.hh.Frozen()
	}
	return 0
}

// size grows the buffers for batch samples.
func (m *FC[F]) size(batch int) {
	m.batch = batch
	w := batch * m.spec.Width
	for p := range m.cur {
		m.cur[p], m.dCur[p] = growTo(m.cur[p], w), growTo(m.dCur[p], w)
	}
	m.rate, m.dRate = growTo(m.rate, batch*m.features), growTo(m.dRate, batch*m.features)
	m.hid, m.dHid, m.dH = growTo(m.hid, batch*m.hidden), growTo(m.dHid, batch*m.hidden), growTo(m.dH, batch*m.hidden)
	m.out1, m.out2 = growTo(m.out1, batch*10), growTo(m.out2, batch*10)
	for k := range m.dSpk {
		m.dSpk[k] = growTo(m.dSpk[k], w)
	}
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
	for p, l := range m.proj {
		l.Forward(m.cur[p], x, batch)
	}
	T, w := m.spec.Steps, m.spec.Width
	rate := m.rate
	clear(rate)
	switch m.spec.Unit {
	case LIFUnit:
		m.lif.Reset(batch*w, T)
		for t := 0; t < T; t++ {
			addTo(rate, m.lif.Forward(t, m.cur[0]))
		}
	case HHUnit:
		m.hh.Reset(batch*w, w, T)
		for t := 0; t < T; t++ {
			addTo(rate, m.hh.Forward(t, m.cur[0]))
		}
	case SLIFUnit:
		m.slif.Reset(batch*w, T)
		for t := 0; t < T; t++ {
			s := m.slif.Forward(t, [3][]F{m.cur[0], m.cur[1], m.cur[2]})
			for b := 0; b < batch; b++ {
				for k := 0; k < 4; k++ {
					addTo(rate[(4*b+k)*w:(4*b+k+1)*w], s[k][b*w:(b+1)*w])
				}
			}
		}
	case StepUnit:
		m.step.Forward(rate, m.cur[0])
	}
	if T > 1 {
		inv := 1 / F(T)
		for i := range rate {
			rate[i] *= inv
		}
	}
	m.read.Forward(m.hid, rate, batch)
	m.head1.Forward(m.out1, m.hid, batch)
	m.head2.Forward(m.out2, m.hid, batch)
	return m.out1, m.out2
}

func addTo[F nn.Float](dst, src []F) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// Backward back-propagates the logits' gradients through time.
func (m *FC[F]) Backward(dLogits1, dLogits2 []F) {
	batch, T, w := m.batch, m.spec.Steps, m.spec.Width
	m.head1.Backward(m.dHid, dLogits1, m.hid, batch)
	m.head2.Backward(m.dH, dLogits2, m.hid, batch)
	addTo(m.dHid, m.dH)
	m.read.Backward(m.dRate, m.dHid, m.rate, batch)
	for p := range m.dCur {
		clear(m.dCur[p])
	}
	inv := 1 / F(T)
	switch m.spec.Unit {
	case LIFUnit, HHUnit:
		// Every step's spikes reach the loss through the rate alone.
		dSpk := m.dSpk[0]
		for i, g := range m.dRate {
			dSpk[i] = g * inv
		}
		for t := T - 1; t >= 0; t-- {
			if m.lif != nil {
				m.lif.Backward(t, m.dCur[0], dSpk)
			} else {
				m.hh.Backward(t, m.dCur[0], dSpk)
			}
		}
	case SLIFUnit:
		for b := 0; b < batch; b++ {
			for k := 0; k < 4; k++ {
				src := m.dRate[(4*b+k)*w : (4*b+k+1)*w]
				dst := m.dSpk[k][b*w : (b+1)*w]
				for i, g := range src {
					dst[i] = g * inv
				}
			}
		}
		for t := T - 1; t >= 0; t-- {
			m.slif.Backward(t, [3][]F{m.dCur[0], m.dCur[1], m.dCur[2]}, m.dSpk)
		}
	case StepUnit:
		m.step.Backward(m.dCur[0], m.dRate, m.cur[0])
	}
	for p, l := range m.proj {
		l.Backward(nil, m.dCur[p], m.x, batch)
	}
}
