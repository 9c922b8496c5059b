package rl

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// Window is the actor's view: the last WindowObs observations, each
// presented for RepeatSteps steps of the spiking layer.
const (
	WindowObs   = 5
	RepeatSteps = 3
	Steps       = WindowObs * RepeatSteps // T = 15
)

// ActorKind names the actor's spiking input layer.
type ActorKind int

const (
	LIFActor     ActorKind = iota // LIF, H = 128
	HHActor                       // the trainable HH with per-neuron dt
	SLIFActor                     // s-LIF2HH, four outputs per unit
	FourLIFActor                  // LIF with H = 512 (its critic too)
	ANNActor                      // binary step units, no state
)

// ActorKinds lists the actors in the command line's order.
func ActorKinds() []ActorKind {
	return []ActorKind{LIFActor, HHActor, SLIFActor, FourLIFActor, ANNActor}
}

// String is the command line's name.
func (k ActorKind) String() string {
	return [...]string{"LIF", "HH", "LIF_hh", "4LIF", "ANN"}[k]
}

// ParseActor maps a name to its kind.
func ParseActor(s string) (ActorKind, error) {
	var names []string
	for _, k := range ActorKinds() {
		if k.String() == s {
			return k, nil
		}
		names = append(names, k.String())
	}
	return 0, fmt.Errorf("unknown actor %q (want one of %s)", s, strings.Join(names, ", "))
}

// Hidden is the width H of the actor's layers (and its critic's).
func (k ActorKind) Hidden() int {
	if k == FourLIFActor {
		return 512
	}
	return 128
}

// unitConstants are the spiking layer's threshold and surrogate
// half-width (docs/model.md §8), by actor and, for HH, environment.
func (k ActorKind) unitConstants(doublePendulum bool) (theta, lens float64) {
	switch k {
	case HHActor:
		if doublePendulum {
			return 2.3, 0.4
		}
		return 2, 0.4
	case SLIFActor:
		return 0.8, 0.4
	case ANNActor:
		return 0.5, 0.5
	}
	return 0.2, 0.4
}

// encoder is the actor's spiking input layer over a window: each
// observation's projection (computed once, held for RepeatSteps steps),
// the unit stepped Steps times, and the mean of its spike outputs.
type encoder[F nn.Float] struct {
	kind         ActorKind
	obs, h       int
	copies, outs int // input projections per neuron (3 for s-LIF2HH), outputs (4)
	proj         *nn.Linear[F]
	lif          *nn.LIF[F]
	slif         *nn.SLIF2HH[F]
	hh           *hhLayer[F]
	step         nn.Step[F]
	batch        int
	x            []F // [WindowObs·batch, obs], observation-major
	cur, dCur    []F // [WindowObs·batch, copies·h]
	in           [WindowObs][3][]F
	dIn          [WindowObs][3][]F
	spikes       [WindowObs][]F // the binary unit's output per observation
	rate         []F            // [batch, outs·h]
	dSpk         [4][]F
}

func newEncoder[F nn.Float](kind ActorKind, obs, h int, doublePendulum bool, sg nn.Surrogate[F], rng *rand.Rand) *encoder[F] {
	e := &encoder[F]{kind: kind, obs: obs, h: h, copies: 1, outs: 1}
	if kind == SLIFActor {
		e.copies, e.outs = 3, 4
	}
	e.proj = newLinear[F]("in", obs, e.copies*h, rng)
	if e.copies > 1 {
		// Xavier for each of the three projections of width h.
		e.proj.W.Uniform(rng, xavierBound(obs, h))
	}
	theta, _ := kind.unitConstants(doublePendulum)
	switch kind {
	case LIFActor, FourLIFActor:
		e.lif = &nn.LIF[F]{Decay: 0.2, Theta: F(theta), Surrogate: sg}
	case SLIFActor:
		e.slif = &nn.SLIF2HH[F]{Decay: 0.2, Theta: F(theta), Surrogate: sg, Mix: nn.NewParam[F]("mix", 4)}
		e.slif.Mix.Uniform(rng, xavierBound(3, 1))
		e.slif.Mix.Value[3] = 0
	case HHActor:
		rates := 0.1
		if doublePendulum {
			rates = 0.01
		}
		e.hh = newHHLayer(h, F(theta), sg, rates, rng)
	case ANNActor:
		e.step = nn.Step[F]{Theta: F(theta), Surrogate: sg}
	}
	return e
}

func (e *encoder[F]) params() []*nn.Param[F] {
	ps := e.proj.Params()
	if e.slif != nil {
		ps = append(ps, e.slif.Mix)
	}
	return ps
}

// frozen are the HH layer's fixed rates and time steps.
func (e *encoder[F]) frozen() [][]F {
	if e.hh != nil {
		return e.hh.frozen()
	}
	return nil
}

func (e *encoder[F]) features() int { return e.outs * e.h }

// forward maps windows [batch][WindowObs][obs] to the mean spike output
// [batch, features] (the encoder's own slice).
func (e *encoder[F]) forward(win []F, batch int) []F {
	e.batch = batch
	n, hb := e.obs, batch*e.h
	e.x = grown(e.x, WindowObs*batch*n)
	for b := 0; b < batch; b++ {
		for k := 0; k < WindowObs; k++ {
			copy(e.x[(k*batch+b)*n:(k*batch+b+1)*n], win[(b*WindowObs+k)*n:(b*WindowObs+k+1)*n])
		}
	}
	w := e.copies * e.h
	e.cur = grown(e.cur, WindowObs*batch*w)
	e.proj.Forward(e.cur, e.x, WindowObs*batch)
	for k := 0; k < WindowObs; k++ {
		for q := 0; q < e.copies; q++ {
			if e.copies == 1 {
				e.in[k][0] = e.cur[k*hb : (k+1)*hb]
				continue
			}
			// s-LIF2HH: the q-th projection of every sample, unit-major.
			dst := grown(e.in[k][q], hb)
			for b := 0; b < batch; b++ {
				copy(dst[b*e.h:(b+1)*e.h], e.cur[(k*batch+b)*w+q*e.h:][:e.h])
			}
			e.in[k][q] = dst
		}
	}
	e.rate = grown(e.rate, batch*e.features())
	clear(e.rate)
	inv := 1 / F(Steps)
	add := func(q int, s []F) {
		for b := 0; b < batch; b++ {
			tensor.Axpy(e.rate[(b*e.outs+q)*e.h:][:e.h], inv, s[b*e.h:(b+1)*e.h])
		}
	}
	switch {
	case e.lif != nil:
		e.lif.Reset(hb, Steps)
		for t := 0; t < Steps; t++ {
			add(0, e.lif.Forward(t, e.in[t/RepeatSteps][0]))
		}
	case e.hh != nil:
		e.hh.reset(batch, Steps)
		for t := 0; t < Steps; t++ {
			add(0, e.hh.forward(t, e.in[t/RepeatSteps][0]))
		}
	case e.slif != nil:
		e.slif.Reset(hb, Steps)
		for t := 0; t < Steps; t++ {
			in := e.in[t/RepeatSteps]
			out := e.slif.Forward(t, [3][]F{in[0], in[1], in[2]})
			for q := range out {
				add(q, out[q])
			}
		}
	default:
		// The binary unit has no state: each observation's spikes, held
		// for RepeatSteps steps.
		for k := 0; k < WindowObs; k++ {
			e.spikes[k] = grown(e.spikes[k], hb)
			e.step.Forward(e.spikes[k], e.in[k][0])
			for r := 0; r < RepeatSteps; r++ {
				add(0, e.spikes[k])
			}
		}
	}
	return e.rate
}

// backward takes the gradient of the mean spike output and adds the
// parameters' gradients.
func (e *encoder[F]) backward(dRate []F) {
	batch, hb := e.batch, e.batch*e.h
	inv := 1 / F(Steps)
	for q := 0; q < e.outs; q++ {
		e.dSpk[q] = grown(e.dSpk[q], hb)
		for b := 0; b < batch; b++ {
			d := e.dSpk[q][b*e.h : (b+1)*e.h]
			for j, v := range dRate[(b*e.outs+q)*e.h:][:e.h] {
				d[j] = v * inv
			}
		}
	}
	for k := 0; k < WindowObs; k++ {
		for q := 0; q < e.copies; q++ {
			e.dIn[k][q] = grown(e.dIn[k][q], hb)
			clear(e.dIn[k][q])
		}
	}
	switch {
	case e.lif != nil:
		for t := Steps - 1; t >= 0; t-- {
			e.lif.Backward(t, e.dIn[t/RepeatSteps][0], e.dSpk[0])
		}
	case e.hh != nil:
		for t := Steps - 1; t >= 0; t-- {
			e.hh.backward(t, e.dIn[t/RepeatSteps][0], e.dSpk[0])
		}
	case e.slif != nil:
		for t := Steps - 1; t >= 0; t-- {
			d := e.dIn[t/RepeatSteps]
			e.slif.Backward(t, [3][]F{d[0], d[1], d[2]}, [4][]F{e.dSpk[0], e.dSpk[1], e.dSpk[2], e.dSpk[3]})
		}
	default:
		for i := range e.dSpk[0] {
			e.dSpk[0][i] *= RepeatSteps
		}
		for k := 0; k < WindowObs; k++ {
			e.step.Backward(e.dIn[k][0], e.dSpk[0], e.in[k][0])
		}
	}
	w := e.copies * e.h
	e.dCur = grown(e.dCur, WindowObs*batch*w)
	for k := 0; k < WindowObs; k++ {
		for q := 0; q < e.copies; q++ {
			for b := 0; b < batch; b++ {
				copy(e.dCur[(k*batch+b)*w+q*e.h:][:e.h], e.dIn[k][q][b*e.h:(b+1)*e.h])
			}
		}
	}
	e.proj.Backward(nil, e.dCur, e.x, WindowObs*batch)
}
