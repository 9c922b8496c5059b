package models

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// Conv is a convolutional model (docs/model.md §4): conv3×3 (1→C) → spiking →
// avgpool 2 → conv3×3 (C→C) → spiking → avgpool 2 → rate → Linear(→Hidden)
// → two heads. Maps are laid out [C][batch][H][W] (package nn).
//
// The first convolution acts on the unchanging image, so it runs once per
// batch and its weight gradient is one product of the time-summed error.
// For s-LIF2HH each stage has three convolutions (one per input
// sub-neuron, as one convolution of 3C outputs) and both layers share one
// mixing layer; layer 2's convolutions act on the sum of layer 1's four
// spike maps with their bias added four times, Σⱼ conv(sⱼ) = W∗(Σⱼ sⱼ) + 4b.
//
// Layer 1's input is constant over time and layer 2 does not feed back, so
// layer 1 runs all its steps at once and is differentiated by replaying
// each neuron forward (nn.Pooled), storing nothing per step; then layer 2
// runs step by step.
type Conv[F nn.Float] struct {
	spec             Spec
	side, hidden     int
	ch, copies, subs int // channels; convolutions per stage (3 for s-LIF2HH); spike maps per layer (4)
	pool             *tensor.Pool
	conv1, conv2     *nn.Conv2d[F]
	first            firstStage[F] // layer 1 over all steps, pooled
	second           unit[F]       // layer 2, step by step
	hh1, hh2         *nn.HH[F]     // the HH layers, for their frozen coefficients
	read             *nn.Linear[F]
	head1, head2     *nn.Linear[F]
	params           []*nn.Param[F]

	batch             int
	x                 []F
	i1, i2            []F   // currents of the two spiking stages
	p1                [][]F // pooled layer-1 spikes of each step (layer 2's input)
	cnt2, rate        []F   // layer-2 spike counts [subs][C][B][S/2²], pooled rate [B][features]
	hid, dHid, dH     []F
	out1, out2        []F
	dRate, dCnt2, dS2 []F
	dI1, dI2          []F
	dP1s              [][]F // the gradient of each step's p1
}

func newConv[F nn.Float](spec Spec, opts Options, rng *rand.Rand) *Conv[F] {
	s, c := opts.Side, spec.Width
	m := &Conv[F]{spec: spec, side: s, hidden: opts.Hidden, ch: c, copies: 1, subs: 1, pool: opts.Pool}
	if spec.Unit == SLIFUnit {
		m.copies, m.subs = 3, 4 // three convolutions per stage, four spike maps per layer
	}
	var firstParams []*nn.Param[F] // the first layer's own (HHv's gain)
	sg := nn.Surrogate[F]{Lens: F(spec.Lens), Smooth: F(opts.Smooth)}
	m.conv1 = nn.NewConv2d[F]("conv1", 1, m.copies*c, s, s, rng)
	m.conv2 = nn.NewConv2d[F]("conv2", c, m.copies*c, s/2, s/2, rng)
	switch spec.Unit {
	case LIFUnit:
		m.first = &nn.Pooled[F]{LIF: &nn.LIF[F]{Decay: F(spec.Decay), Theta: F(spec.Theta), Surrogate: sg}, Pool: opts.Pool}
		m.second = &lifUnit[F]{&nn.LIF[F]{Decay: F(spec.Decay), Theta: F(spec.Theta), Surrogate: sg, Pool: opts.Pool}}
	case HHUnit:
		// One rate coefficient per feature-map column, broadcast over
		// channels and rows; the ionic currents carry no gradient.
		m.hh1 = nn.NewHH(s, F(spec.Dt), F(spec.Theta), sg, rng)
		m.hh2 = nn.NewHH(s/2, F(spec.Dt), F(spec.Theta), sg, rng)
		m.hh1.DetachCurrents, m.hh2.DetachCurrents = true, true
		m.hh2.Pool = opts.Pool
		m.first = &nn.Pooled[F]{HH: m.hh1, Pool: opts.Pool}
		m.second = &hhUnit[F]{m.hh2}
	case SLIFUnit:
		// Both layers share one mixing layer.
		sl1 := nn.NewSLIF2HH("slif", F(spec.Decay), F(spec.Theta), sg, rng)
		sl2 := &nn.SLIF2HH[F]{Decay: F(spec.Decay), Theta: F(spec.Theta), Surrogate: sg, Mix: sl1.Mix, Pool: opts.Pool}
		m.first = &nn.Pooled[F]{SLIF: sl1, Pool: opts.Pool}
		m.second = &slifUnit[F]{SLIF2HH: sl2}
	case HHvUnit:
		l1 := newHHvUnit("hhv1", spec, spec.Gains[0], sg, opts.Pool)
		m.first = &hhvPooled[F]{HHv: l1.HHv}
		m.second = newHHvUnit("hhv2", spec, spec.Gains[1], sg, opts.Pool)
		firstParams = l1.params()
	case StepUnit:
		st := &stepUnit[F]{nn.Step[F]{Theta: F(spec.Theta), Surrogate: sg}}
		m.first = &nn.Pooled[F]{Step: &st.Step, Pool: opts.Pool}
		m.second = st
		// The binary first stage fires at a few per cent of its sites.
		m.conv2.FollowNonzeros = true
	}
	feat := m.subs * c * (s / 4) * (s / 4)
	m.read = nn.NewLinear[F]("fc", feat, opts.Hidden, rng)
	m.head1 = nn.NewLinear[F]("task1", opts.Hidden, 10, rng)
	m.head2 = nn.NewLinear[F]("task2", opts.Hidden, 10, rng)
	m.params = append(m.params, m.conv1.Params()...)
	m.params = append(m.params, m.conv2.Params()...)
	m.params = append(m.params, firstParams...)
	m.params = append(m.params, m.second.params()...)
	for _, l := range []*nn.Linear[F]{m.read, m.head1, m.head2} {
		l.Pool = opts.Pool
		m.params = append(m.params, l.Params()...)
	}
	m.conv1.Pool, m.conv2.Pool = opts.Pool, opts.Pool
	return m
}

// Spec returns the model's definition.
func (m *Conv[F]) Spec() Spec { return m.spec }

// Params returns the trainable parameters.
func (m *Conv[F]) Params() []*nn.Param[F] { return m.params }

// Frozen returns the HH layers' rate coefficients (none for the others).
func (m *Conv[F]) Frozen() [][]F {
	if m.hh1 == nil {
		return nil
	}
	return append(append([][]F{}, m.hh1.Coef[:]...), m.hh2.Coef[:]...)
}

// Spikes is the number of layer-1 spikes of the last Forward, from the
// pooled maps (a 2×2 mean is a quarter of the block's spike count).
func (m *Conv[F]) Spikes() float64 {
	var n float64
	for _, p := range m.p1[:m.spec.Steps] {
		for _, v := range p {
			n += float64(v)
		}
	}
	return 4 * n
}

// ReadoutRate is the mean pooled firing rate of the second spiking layer
// in the last Forward.
func (m *Conv[F]) ReadoutRate() float64 {
	return mean(m.rate[:m.subs*m.ch*(m.side/4)*(m.side/4)*m.batch])
}

func (m *Conv[F]) size(batch int) {
	m.batch = batch
	s, c, T := m.side, m.ch, m.spec.Steps
	n1, n2, n3 := batch*s*s, batch*(s/2)*(s/2), batch*(s/4)*(s/4)
	m.i1, m.dI1 = growTo(m.i1, m.copies*c*n1), growTo(m.dI1, m.copies*c*n1)
	for len(m.p1) < T {
		m.p1 = append(m.p1, nil)
	}
	for t := 0; t < T; t++ {
		m.p1[t] = growTo(m.p1[t], c*n2)
	}
	for len(m.dP1s) < T {
		m.dP1s = append(m.dP1s, nil)
	}
	for t := 0; t < T; t++ {
		m.dP1s[t] = growTo(m.dP1s[t], c*n2)
	}
	m.i2, m.dI2 = growTo(m.i2, m.copies*c*n2), growTo(m.dI2, m.copies*c*n2)
	m.cnt2, m.dCnt2, m.dS2 = growTo(m.cnt2, m.subs*c*n2), growTo(m.dCnt2, m.subs*c*n3), growTo(m.dS2, m.subs*c*n2)
	feat := m.subs * c * n3
	m.rate, m.dRate = growTo(m.rate, feat), growTo(m.dRate, feat)
	m.hid, m.dHid, m.dH = growTo(m.hid, batch*m.hidden), growTo(m.dHid, batch*m.hidden), growTo(m.dH, batch*m.hidden)
	m.out1, m.out2 = growTo(m.out1, batch*10), growTo(m.out2, batch*10)
}

// Forward runs the model on x [batch, 1, side, side].
func (m *Conv[F]) Forward(x []F, batch int) (logits1, logits2 []F) {
	m.size(batch)
	m.x = x
	s, c, T := m.side, m.ch, m.spec.Steps
	n2 := batch * (s / 2) * (s / 2)
	m.conv1.Forward(m.i1, x, batch, 1)
	clear(m.cnt2)
	// Layer 1 does not depend on layer 2: all its steps at once.
	m.first.Forward(m.p1[:T], m.i1, c*batch, s)
	m.second.reset(c*n2, s/2, T)
	for t := 0; t < T; t++ {
		// Layer 2.
		m.conv2.Forward(m.i2, m.p1[t], batch, F(m.subs))
		m.second.forwardStep(t, m.cnt2, m.i2)
	}
	// rate = pool(count)/T, from [subs·C][B][h][w] to [B][subs·C·h·w].
	q := s / 4
	planes := m.subs * c
	pooled := m.dCnt2 // scratch until Backward
	nn.AvgPool2Forward(pooled, m.cnt2, planes*batch, s/2, s/2)
	regroup(m.rate, pooled, planes, batch, q*q, 1/F(T), true)
	m.read.Forward(m.hid, m.rate, batch)
	m.head1.Forward(m.out1, m.hid, batch)
	m.head2.Forward(m.out2, m.hid, batch)
	return m.out1, m.out2
}

// Backward back-propagates the logits' gradients through time.
func (m *Conv[F]) Backward(dLogits1, dLogits2 []F) {
	batch, s, c, T := m.batch, m.side, m.ch, m.spec.Steps
	m.head1.Backward(m.dHid, dLogits1, m.hid, batch)
	m.head2.Backward(m.dH, dLogits2, m.hid, batch)
	tensor.Add(m.dHid, m.dH)
	m.read.Backward(m.dRate, m.dHid, m.rate, batch)
	// From the rate back to every step's layer-2 spikes (the same at each step).
	q := s / 4
	planes := m.subs * c
	regroup(m.dCnt2, m.dRate, planes, batch, q*q, 1/F(T), false)
	nn.AvgPool2Backward(m.dS2, m.dCnt2, planes*batch, s/2, s/2)
	for t := T - 1; t >= 0; t-- {
		clear(m.dI2)
		m.second.backwardStep(t, m.dI2, m.dS2, m.i2)
		m.conv2.Backward(m.dP1s[t], m.dI2, m.p1[t], batch, F(m.subs))
	}
	m.first.Backward(m.dI1, m.dP1s[:T])
	m.conv1.Backward(nil, m.dI1, m.x, batch, 1)
}

// regroup copies planes of size values, scaled, between the map layout
// [planes][batch][size] and the batch-major layout [batch][planes][size]
// of the read-out: to batch-major when toBatch, back otherwise.
func regroup[F nn.Float](dst, src []F, planes, batch, size int, scale F, toBatch bool) {
	for p := 0; p < planes; p++ {
		for b := 0; b < batch; b++ {
			mapAt, batchAt := (p*batch+b)*size, (b*planes+p)*size
			from, to := mapAt, batchAt
			if !toBatch {
				from, to = batchAt, mapAt
			}
			d := dst[to : to+size]
			for i, v := range src[from : from+size] {
				d[i] = v * scale
			}
		}
	}
}

// firstStage is the first spiking layer of a conv model: all its steps on
// the unchanging input, each step's spikes pooled 2×2 (nn.Pooled, or
// HHv's per-step form through hhvPooled).
type firstStage[F nn.Float] interface {
	Forward(pooled [][]F, in []F, planes, side int)
	Backward(dIn []F, dPooled [][]F)
}
