package models

import (
	"math/rand/v2"
	"slices"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// unit is a model's spiking (or binary) layer, whatever its neuron: the
// fc models drive it all steps at once on their constant input (static),
// the conv models' second stage step by step. Inputs and outputs are laid
// out by the layer's sub-neurons: s-LIF2HH takes three input blocks and
// gives four output blocks, the others one of each.
type unit[F nn.Float] interface {
	// forwardStatic overwrites count with the spike counts of steps steps
	// on the constant input in, for batch samples of width neurons; fc
	// layout [batch][blocks][width].
	forwardStatic(pool *tensor.Pool, count, in []F, batch, width, steps int)
	// backwardStatic overwrites dIn given the counts' gradient and the
	// input of the forward pass.
	backwardStatic(pool *tensor.Pool, dIn, dCount, in []F)
	// reset prepares steps per-step updates of n neurons per block,
	// perSample of them per sample (conv layout [blocks][C][batch][h][w]).
	reset(n, perSample, steps int)
	// forwardStep runs step t on in and adds its spikes into count.
	forwardStep(t int, count, in []F)
	// backwardStep runs step t backwards: dSpk, the spikes' gradient, is
	// the same at every step; the input gradient is added into dIn.
	backwardStep(t int, dIn, dSpk, in []F)
	// params are the unit's trainable parameters (s-LIF2HH's mixing layer).
	params() []*nn.Param[F]
	// frozen are its untrained parameters (the HH rate coefficients).
	frozen() [][]F
}

// newUnit builds the unit of spec (width: the HH layer's coefficient
// columns), drawing its parameters from rng.
func newUnit[F nn.Float](spec Spec, width int, sg nn.Surrogate[F], rng *rand.Rand, pool *tensor.Pool) unit[F] {
	switch spec.Unit {
	case LIFUnit:
		return &lifUnit[F]{&nn.LIF[F]{Decay: F(spec.Decay), Theta: F(spec.Theta), Surrogate: sg, Pool: pool}}
	case HHUnit:
		l := nn.NewHH(width, F(spec.Dt), F(spec.Theta), sg, rng)
		l.Pool = pool
		return &hhUnit[F]{l}
	case SLIFUnit:
		l := nn.NewSLIF2HH("slif", F(spec.Decay), F(spec.Theta), sg, rng)
		l.Pool = pool
		return &slifUnit[F]{SLIF2HH: l}
	case HHvUnit:
		return newHHvUnit("hhv", spec, spec.Gains[0], sg, pool)
	}
	return &stepUnit[F]{nn.Step[F]{Theta: F(spec.Theta), Surrogate: sg}}
}

type lifUnit[F nn.Float] struct{ *nn.LIF[F] }

func (u *lifUnit[F]) forwardStatic(pool *tensor.Pool, count, in []F, batch, width, steps int) {
	u.Reset(batch*width, steps)
	u.ForwardStatic(pool, count, in)
}
func (u *lifUnit[F]) backwardStatic(_ *tensor.Pool, dIn, dCount, _ []F) {
	u.BackwardStatic(dIn, dCount)
}
func (u *lifUnit[F]) reset(n, _, steps int)                { u.Reset(n, steps) }
func (u *lifUnit[F]) forwardStep(t int, count, in []F)     { tensor.Add(count, u.Forward(t, in)) }
func (u *lifUnit[F]) backwardStep(t int, dIn, dSpk, _ []F) { u.Backward(t, dIn, dSpk) }
func (u *lifUnit[F]) params() []*nn.Param[F]               { return nil }
func (u *lifUnit[F]) frozen() [][]F                        { return nil }

type hhUnit[F nn.Float] struct{ *nn.HH[F] }

func (u *hhUnit[F]) forwardStatic(pool *tensor.Pool, count, in []F, batch, width, steps int) {
	u.Reset(batch*width, width, steps)
	u.ForwardStatic(pool, count, in)
}
func (u *hhUnit[F]) backwardStatic(_ *tensor.Pool, dIn, dCount, _ []F) { u.BackwardStatic(dIn, dCount) }
func (u *hhUnit[F]) reset(n, perSample, steps int)                     { u.Reset(n, perSample, steps) }
func (u *hhUnit[F]) forwardStep(t int, count, in []F)                  { tensor.Add(count, u.Forward(t, in)) }
func (u *hhUnit[F]) backwardStep(t int, dIn, dSpk, _ []F)              { u.Backward(t, dIn, dSpk) }
func (u *hhUnit[F]) params() []*nn.Param[F]                            { return nil }
func (u *hhUnit[F]) frozen() [][]F                                     { return u.Coef[:] }

type slifUnit[F nn.Float] struct {
	*nn.SLIF2HH[F]
	n int // neurons per block of the per-step form
}

func (u *slifUnit[F]) forwardStatic(pool *tensor.Pool, count, in []F, batch, width, steps int) {
	u.Reset(batch*width, steps)
	u.ForwardStatic(pool, count, in, width)
}
func (u *slifUnit[F]) backwardStatic(pool *tensor.Pool, dIn, dCount, _ []F) {
	u.BackwardStatic(pool, dIn, dCount)
}
func (u *slifUnit[F]) reset(n, _, steps int) {
	u.n = n
	u.Reset(n, steps)
}
func (u *slifUnit[F]) forwardStep(t int, count, in []F) {
	n := u.n
	out := u.Forward(t, [3][]F{in[:n], in[n : 2*n], in[2*n : 3*n]})
	for q := range out {
		tensor.Add(count[q*n:(q+1)*n], out[q])
	}
}
func (u *slifUnit[F]) backwardStep(t int, dIn, dSpk, _ []F) {
	n := u.n
	u.Backward(t, [3][]F{dIn[:n], dIn[n : 2*n], dIn[2*n : 3*n]},
		[4][]F{dSpk[:n], dSpk[n : 2*n], dSpk[2*n : 3*n], dSpk[3*n : 4*n]})
}
func (u *slifUnit[F]) params() []*nn.Param[F] { return u.Params() }
func (u *slifUnit[F]) frozen() [][]F          { return nil }

// stepUnit is the binary unit of the ANN and CNN: one step, no state.
type stepUnit[F nn.Float] struct{ nn.Step[F] }

func (u *stepUnit[F]) forwardStatic(_ *tensor.Pool, count, in []F, _, _, _ int) {
	u.Forward(count, in)
}
func (u *stepUnit[F]) backwardStatic(_ *tensor.Pool, dIn, dCount, in []F) {
	u.Backward(dIn, dCount, in)
}
func (u *stepUnit[F]) reset(int, int, int) {}

// forwardStep overwrites count: the binary unit has one step.
func (u *stepUnit[F]) forwardStep(_ int, count, in []F)      { u.Forward(count, in) }
func (u *stepUnit[F]) backwardStep(_ int, dIn, dSpk, in []F) { u.Backward(dIn, dSpk, in) }
func (u *stepUnit[F]) params() []*nn.Param[F]                { return nil }
func (u *stepUnit[F]) frozen() [][]F                         { return nil }

// hhvUnit is HHv: the static form for the fc models, the per-step form
// for the conv models' second layer.
type hhvUnit[F nn.Float] struct {
	*nn.HHv[F]
	ins [][]F // each step's input: the conv models overwrite theirs, HHv's Backward needs it
}

func newHHvUnit[F nn.Float](name string, spec Spec, gain float64, sg nn.Surrogate[F], pool *tensor.Pool) *hhvUnit[F] {
	l := nn.NewHHv(name, gain, sg)
	l.Theta, l.Pool = F(spec.Theta), pool
	return &hhvUnit[F]{HHv: l}
}

func (u *hhvUnit[F]) forwardStatic(_ *tensor.Pool, count, in []F, batch, width, steps int) {
	u.Reset(batch*width, steps)
	u.ForwardStatic(count, in)
}
func (u *hhvUnit[F]) backwardStatic(_ *tensor.Pool, dIn, dCount, _ []F) {
	u.BackwardStatic(dIn, dCount)
}
func (u *hhvUnit[F]) reset(n, _, steps int) { u.Reset(n, steps) }
func (u *hhvUnit[F]) forwardStep(t int, count, in []F) {
	for len(u.ins) <= t {
		u.ins = append(u.ins, nil)
	}
	u.ins[t] = append(u.ins[t][:0], in...)
	tensor.Add(count, u.Forward(t, u.ins[t]))
}
func (u *hhvUnit[F]) backwardStep(t int, dIn, dSpk, _ []F) { u.Backward(t, dIn, dSpk, u.ins[t]) }
func (u *hhvUnit[F]) params() []*nn.Param[F]               { return u.Params() }
func (u *hhvUnit[F]) frozen() [][]F                        { return nil }

// hhvPooled is HHv as the conv models' first stage (nn.Pooled's
// contract): the per-step form on the unchanging input, each step's
// spikes pooled 2×2.
type hhvPooled[F nn.Float] struct {
	*nn.HHv[F]
	in           []F
	dSpk         []F
	planes, side int
}

func (p *hhvPooled[F]) Forward(pooled [][]F, in []F, planes, side int) {
	n := planes * side * side
	p.in, p.planes, p.side = in[:n], planes, side
	p.Reset(n, len(pooled))
	for t := range pooled {
		nn.AvgPool2Forward(pooled[t], p.HHv.Forward(t, p.in), planes, side, side)
	}
}

func (p *hhvPooled[F]) Backward(dIn []F, dPooled [][]F) {
	n := len(p.in)
	clear(dIn[:n])
	p.dSpk = slices.Grow(p.dSpk[:0], n)[:n]
	for t := len(dPooled) - 1; t >= 0; t-- {
		nn.AvgPool2Backward(p.dSpk, dPooled[t], p.planes, p.side, p.side)
		p.HHv.Backward(t, dIn, p.dSpk, p.in)
	}
}
