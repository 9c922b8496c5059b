package rl

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// SAC's constants (docs/model.md §8).
const (
	Gamma        = 0.99
	Tau          = 0.005
	Alpha        = 0.2
	LearningRate = 3e-4
	BatchSize    = 64
	StartSteps   = 2000 // uniform random actions before the policy acts
	ReplaySize   = 1_000_000
)

// Batch is a minibatch of transitions: windows and last observations of
// the states and next states, actions, rewards and TD masks (1 at the
// time limit, else 1 − terminated).
type Batch[F nn.Float] struct {
	N              int
	Win, NextWin   []F // [N][WindowObs][obs]
	Obs, NextObs   []F // [N][obs]: each window's last observation
	Action, Reward []F
	Mask           []F
}

// Agent is soft actor-critic with a fixed temperature: the actor, twin
// critics and their targets, one Adam each for actor and critics.
type Agent[F nn.Float] struct {
	Actor          *Actor[F]
	Critic, Target *Critic[F]
	actorAdam      *nn.Adam[F]
	criticAdam     *nn.Adam[F]
	y, d1, d2      []F
	dAct, dLogp    []F
	eps            []F
}

// Losses are one update's critic loss (MSE(Q1, y) + MSE(Q2, y)) and
// policy loss (mean of α·log π − min Q).
type Losses struct{ Critic, Policy float64 }

// NewAgent builds an agent with the actor of kind; all weights Xavier-
// uniform with zero biases, drawn from rng; the targets start as copies.
func NewAgent[F nn.Float](kind ActorKind, obs int, low, high float64, doublePendulum bool, smooth float64, rng *rand.Rand) *Agent[F] {
	a := &Agent[F]{Actor: NewActor[F](kind, obs, low, high, doublePendulum, smooth, rng)}
	a.Critic = NewCritic[F](obs, kind.Hidden(), rng)
	a.Target = NewCritic[F](obs, kind.Hidden(), rng)
	a.Target.copyFrom(a.Critic)
	a.actorAdam = nn.NewAdam(a.Actor.Params(), 0)
	a.criticAdam = nn.NewAdam(a.Critic.Params(), 0)
	return a
}

// SetPool runs the agent's twin networks — the critics' Q1 and Q2, the
// actor's mean and log-std branches — side by side on pool's workers
// (nil: in turn). Each network computes what it would alone, so the
// results do not depend on it.
func (a *Agent[F]) SetPool(pool *tensor.Pool) {
	a.Actor.pool = pool
	a.Critic.pool, a.Target.pool = pool, pool
	a.actorAdam.Pool, a.criticAdam.Pool = pool, pool
}

func normals[F nn.Float](dst []F, rng *rand.Rand) {
	for i := range dst {
		dst[i] = F(rng.NormFloat64())
	}
}

// Update runs one SAC update on b, in the published order: the critics'
// step on MSE(Q1, y) + MSE(Q2, y) with y = r + mask·γ·(min target Q(s′, a′)
// − α·log π(a′|s′)), a′ drawn from the current policy; then the policy's
// step on α·log π − min Q with the critics just updated; then the
// targets' Polyak averaging. rng draws the policy's noise.
func (a *Agent[F]) Update(b *Batch[F], rng *rand.Rand) Losses {
	n := b.N
	a.eps = grown(a.eps, n)
	a.y, a.d1, a.d2 = grown(a.y, n), grown(a.d1, n), grown(a.d2, n)
	a.dAct, a.dLogp = grown(a.dAct, n), grown(a.dLogp, n)

	a.Actor.Forward(b.NextWin, n)
	normals(a.eps, rng)
	next, logp := a.Actor.Sample(a.eps)
	t1, t2 := a.Target.Forward(b.NextObs, next, n)
	for i := 0; i < n; i++ {
		a.y[i] = b.Reward[i] + b.Mask[i]*Gamma*(min(t1[i], t2[i])-Alpha*logp[i])
	}
	q1, q2 := a.Critic.Forward(b.Obs, b.Action, n)
	var l Losses
	inv := 1 / F(n)
	for i := 0; i < n; i++ {
		e1, e2 := q1[i]-a.y[i], q2[i]-a.y[i]
		l.Critic += float64(e1*e1+e2*e2) / float64(n)
		a.d1[i], a.d2[i] = 2*e1*inv, 2*e2*inv
	}
	a.Critic.Backward(a.d1, a.d2)
	a.criticAdam.Step(a.Critic.Params(), LearningRate)

	a.Actor.Forward(b.Win, n)
	normals(a.eps, rng)
	act, logp := a.Actor.Sample(a.eps)
	q1, q2 = a.Critic.Forward(b.Obs, act, n)
	for i := 0; i < n; i++ {
		// −min(Q1, Q2) passes its gradient to the smaller (Q1 on a tie).
		a.d1[i], a.d2[i] = 0, 0
		if q1[i] <= q2[i] {
			a.d1[i] = -inv
			l.Policy += float64(Alpha*logp[i]-q1[i]) / float64(n)
		} else {
			a.d2[i] = -inv
			l.Policy += float64(Alpha*logp[i]-q2[i]) / float64(n)
		}
		a.dLogp[i] = Alpha * inv
	}
	copy(a.dAct, a.Critic.Backward(a.d1, a.d2))
	nn.ZeroGrads(a.Critic.Params()) // the policy's loss does not train the critics
	a.Actor.Backward(a.dAct, a.dLogp)
	a.actorAdam.Step(a.Actor.Params(), LearningRate)

	a.Target.polyak(a.Critic, Tau)
	return l
}

// Act returns the action for one window: drawn from the policy, or its
// mean when deterministic (evaluation).
func (a *Agent[F]) Act(win []F, deterministic bool, rng *rand.Rand) F {
	a.Actor.Forward(win, 1)
	if deterministic {
		return a.Actor.Mean()[0]
	}
	a.eps = grown(a.eps, 1)
	normals(a.eps, rng)
	act, _ := a.Actor.Sample(a.eps)
	return act[0]
}
