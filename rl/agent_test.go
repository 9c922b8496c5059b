package rl

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/nn"
)

// checkParams compares the analytic gradients of params (already in Grad)
// with central differences of loss at up to 40 positions per tensor,
// spread over it; relative error ≤ 1e-6 of the tensor's largest.
func checkParams(t *testing.T, what string, params []*nn.Param[float64], loss func() float64) {
	t.Helper()
	for _, p := range params {
		analytic := slices.Clone(p.Grad)
		step := max(1, len(p.Value)/40)
		var d, m float64
		for i := 0; i < len(p.Value); i += step {
			v := p.Value[i]
			const h = 1e-6
			p.Value[i] = v + h
			up := loss()
			p.Value[i] = v - h
			down := loss()
			p.Value[i] = v
			num := (up - down) / (2 * h)
			d = max(d, math.Abs(num-analytic[i]))
			m = max(m, math.Abs(num))
		}
		if m == 0 {
			t.Errorf("%s %s: zero gradient, the check checks nothing", what, p.Name)
			continue
		}
		if d/m > 1e-6 {
			t.Errorf("%s %s: relative error %.3g", what, p.Name, d/m)
		}
	}
}

// jitterBiases moves the zero-initialised biases off zero, so that no
// ReLU sits exactly on its kink where finite differences cannot look.
func jitterBiases(ps []*nn.Param[float64], rng *rand.Rand) {
	for _, p := range ps {
		if len(p.Shape) == 1 {
			for i := range p.Value {
				p.Value[i] = 0.2 * (2*rng.Float64() - 1)
			}
		}
	}
}

func randWindows(rng *rand.Rand, batch, obs int, scale float64) []float64 {
	w := make([]float64, batch*WindowObs*obs)
	for i := range w {
		w[i] = scale * (2*rng.Float64() - 1)
	}
	return w
}

// TestActorGradients checks every actor through the full 15-step window
// (smooth spike stand-in): a loss of the sampled actions and
// log-probabilities against central differences.
func TestActorGradients(t *testing.T) {
	for _, kind := range ActorKinds() {
		for _, dp := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(uint64(kind)+1, 9))
			obs := 4
			if dp {
				obs = 11
			}
			a := newActor[float64](kind, obs, -3, 3, dp, 3, 16, rng)
			jitterBiases(a.Params(), rng)
			const batch = 3
			win := randWindows(rng, batch, obs, 3)
			if kind == HHActor {
				// dt < 0.2 and 15 steps: a large drive lets the units fire.
				for i := range a.enc.proj.W.Value {
					a.enc.proj.W.Value[i] *= 20
				}
			}
			eps := []float64{0.3, -1.1, 0.7}
			c1, c2 := []float64{0.7, -0.4, 1.3}, []float64{-0.2, 0.5, 0.9}
			loss := func() float64 {
				a.Forward(win, batch)
				act, logp := a.Sample(eps)
				var l float64
				for i := range act {
					l += c1[i]*act[i] + c2[i]*logp[i]
				}
				return l
			}
			nn.ZeroGrads(a.Params())
			loss()
			a.Backward(c1, c2)
			checkParams(t, kind.String(), a.Params(), loss)
		}
	}
}

// TestCriticGradients: both Q networks' parameters and the action's
// gradient against central differences.
func TestCriticGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	c := NewCritic[float64](11, 7, rng)
	const batch = 3
	obs := randWindows(rng, batch, 11, 2)[:batch*11]
	act := []float64{0.3, -0.8, 0.1}
	c1, c2 := []float64{0.7, -0.4, 1.3}, []float64{-0.2, 0.5, 0.9}
	loss := func() float64 {
		q1, q2 := c.Forward(obs, act, batch)
		var l float64
		for i := 0; i < batch; i++ {
			l += c1[i]*q1[i] + c2[i]*q2[i]
		}
		return l
	}
	nn.ZeroGrads(c.Params())
	loss()
	dAct := slices.Clone(c.Backward(c1, c2))
	checkParams(t, "critic", c.Params(), loss)
	for i := range act {
		v := act[i]
		act[i] = v + 1e-6
		up := loss()
		act[i] = v - 1e-6
		down := loss()
		act[i] = v
		if num := (up - down) / 2e-6; math.Abs(num-dAct[i]) > 1e-6*max(1, math.Abs(num)) {
			t.Errorf("action %d: gradient %v, numeric %v", i, dAct[i], num)
		}
	}
}

// TestLogProbIsTheDensity: the corrected log-probability of a squashed,
// scaled action is the log of its density, checked against the numeric
// derivative of the action's distribution function (|tanh u| ≤ 0.99).
func TestLogProbIsTheDensity(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	a := newActor[float64](ANNActor, 4, -3, 3, false, 0, 6, rng)
	win := randWindows(rng, 1, 4, 1)
	a.Forward(win, 1)
	mu, logStd := a.mu[0], a.ls[0]
	sigma := math.Exp(logStd)
	cdf := func(action float64) float64 {
		u := math.Atanh(action / 3)
		return 0.5 * math.Erfc(-(u-mu)/(sigma*math.Sqrt2))
	}
	checked := 0
	for _, e := range []float64{-2, -1, -0.3, 0, 0.4, 1.2, 2.5} {
		act, logp := a.Sample([]float64{e})
		if math.Abs(act[0]/3) > 0.99 {
			continue
		}
		const h = 1e-5
		density := (cdf(act[0]+h) - cdf(act[0]-h)) / (2 * h)
		if rel := math.Abs(math.Exp(logp[0])-density) / density; rel > 1e-4 {
			t.Errorf("ε = %v: exp(log π) = %v, numeric density %v (relative %.2g)", e, math.Exp(logp[0]), density, rel)
		}
		checked++
	}
	if checked < 4 {
		t.Fatalf("only %d draws inside |tanh| ≤ 0.99: μ %v, σ %v", checked, mu, sigma)
	}
}

// TestUpdateOnTwoTransitions checks one SAC update on a batch of two
// transitions against its definition: Adam's first step moves every
// parameter by the learning rate against the sign of its gradient, so the
// critics must have moved against the numeric gradient of MSE(Q1, y) +
// MSE(Q2, y) (y from the targets and the policy's draw), the actor against
// that of mean(α·log π − min Q) under the updated critics, and the
// targets by τ towards the updated critics.
func TestUpdateOnTwoTransitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	const obs = 4
	ag := newTestAgent(obs, rng)
	b := &Batch[float64]{N: 2, Win: randWindows(rng, 2, obs, 1), NextWin: randWindows(rng, 2, obs, 1),
		Action: []float64{0.5, -1.5}, Reward: []float64{4.2, -3}, Mask: []float64{1, 0}}
	b.Obs, b.NextObs = lastObs(b.Win, 2, obs), lastObs(b.NextWin, 2, obs)

	// The draws the update will make, from a copy of its stream.
	draws := rand.New(rand.NewPCG(1, 2))
	eps1 := []float64{draws.NormFloat64(), draws.NormFloat64()}
	eps2 := []float64{draws.NormFloat64(), draws.NormFloat64()}

	// y by hand, from forward passes of the untouched networks.
	ag.Actor.Forward(b.NextWin, 2)
	next, logpNext := ag.Actor.Sample(eps1)
	next, logpNext = slices.Clone(next), slices.Clone(logpNext)
	t1, t2 := ag.Target.Forward(b.NextObs, next, 2)
	y := make([]float64, 2)
	for i := range y {
		y[i] = b.Reward[i] + b.Mask[i]*Gamma*(min(t1[i], t2[i])-Alpha*logpNext[i])
	}
	criticLoss := func() float64 {
		q1, q2 := ag.Critic.Forward(b.Obs, b.Action, 2)
		var l float64
		for i := range y {
			l += ((q1[i]-y[i])*(q1[i]-y[i]) + (q2[i]-y[i])*(q2[i]-y[i])) / 2
		}
		return l
	}
	critic0, target0, actor0 := snapshot(ag.Critic.Params()), snapshot(ag.Target.Params()), snapshot(ag.Actor.Params())
	gCritic := numericGrad(ag.Critic.Params(), criticLoss)

	losses := ag.Update(b, rand.New(rand.NewPCG(1, 2)))
	if math.Abs(losses.Critic-criticLossAt(ag, critic0, criticLoss)) > 1e-12 {
		t.Errorf("critic loss %v, by hand %v", losses.Critic, criticLossAt(ag, critic0, criticLoss))
	}
	checkAdamStep(t, "critic", critic0, ag.Critic.Params(), gCritic)

	// The policy's loss under the updated critics, from the pre-update actor.
	critic1 := snapshot(ag.Critic.Params())
	actor1 := snapshot(ag.Actor.Params())
	restore(ag.Actor.Params(), actor0)
	policyLoss := func() float64 {
		ag.Actor.Forward(b.Win, 2)
		act, logp := ag.Actor.Sample(eps2)
		q1, q2 := ag.Critic.Forward(b.Obs, act, 2)
		var l float64
		for i := 0; i < 2; i++ {
			l += (Alpha*logp[i] - min(q1[i], q2[i])) / 2
		}
		return l
	}
	if p := policyLoss(); math.Abs(losses.Policy-p) > 1e-12 {
		t.Errorf("policy loss %v, by hand %v", losses.Policy, p)
	}
	gActor := numericGrad(ag.Actor.Params(), policyLoss)
	restore(ag.Actor.Params(), actor1)
	checkAdamStep(t, "actor", actor0, ag.Actor.Params(), gActor)

	for i, p := range ag.Target.Params() {
		for j, v := range p.Value {
			want := Tau*critic1[i][j] + (1-Tau)*target0[i][j]
			if math.Abs(v-want) > 1e-15 {
				t.Fatalf("target %s[%d] = %v, want τ·critic + (1 − τ)·target = %v", p.Name, j, v, want)
			}
		}
	}
}

func newTestAgent(obs int, rng *rand.Rand) *Agent[float64] {
	a := &Agent[float64]{Actor: newActor[float64](ANNActor, obs, -3, 3, false, 3, 5, rng)}
	a.Critic = NewCritic[float64](obs, 5, rng)
	a.Target = NewCritic[float64](obs, 5, rng) // differs from the critic, so that Polyak shows
	for _, ps := range [][]*nn.Param[float64]{a.Actor.Params(), a.Critic.Params(), a.Target.Params()} {
		jitterBiases(ps, rng)
	}
	a.actorAdam = nn.NewAdam(a.Actor.Params(), 0)
	a.criticAdam = nn.NewAdam(a.Critic.Params(), 0)
	return a
}

func lastObs(win []float64, batch, obs int) []float64 {
	out := make([]float64, batch*obs)
	for b := 0; b < batch; b++ {
		copy(out[b*obs:], win[(b*WindowObs+WindowObs-1)*obs:][:obs])
	}
	return out
}

func snapshot(ps []*nn.Param[float64]) [][]float64 {
	var s [][]float64
	for _, p := range ps {
		s = append(s, slices.Clone(p.Value))
	}
	return s
}

func restore(ps []*nn.Param[float64], s [][]float64) {
	for i, p := range ps {
		copy(p.Value, s[i])
	}
}

func numericGrad(ps []*nn.Param[float64], loss func() float64) [][]float64 {
	var g [][]float64
	for _, p := range ps {
		gp := make([]float64, len(p.Value))
		for j, v := range p.Value {
			p.Value[j] = v + 1e-6
			up := loss()
			p.Value[j] = v - 1e-6
			down := loss()
			p.Value[j] = v
			gp[j] = (up - down) / 2e-6
		}
		g = append(g, gp)
	}
	return g
}

func criticLossAt(ag *Agent[float64], at [][]float64, loss func() float64) float64 {
	now := snapshot(ag.Critic.Params())
	restore(ag.Critic.Params(), at)
	l := loss()
	restore(ag.Critic.Params(), now)
	return l
}

// checkAdamStep: Adam's first step moves a parameter by −lr·g/(|g| + ε),
// i.e. by the learning rate against its gradient's sign where |g| ≫ 1e-8.
func checkAdamStep(t *testing.T, what string, before [][]float64, after []*nn.Param[float64], grad [][]float64) {
	t.Helper()
	moved := 0
	for i, p := range after {
		for j, v := range p.Value {
			g := grad[i][j]
			if math.Abs(g) < 1e-4 {
				continue
			}
			want := before[i][j] - LearningRate*g/(math.Abs(g)+1e-8)
			if math.Abs(v-want) > 1e-11 {
				t.Fatalf("%s %s[%d]: %v, want %v (gradient %v)", what, p.Name, j, v, want, g)
			}
			moved++
		}
	}
	if moved == 0 {
		t.Errorf("%s: no parameter with a clear gradient", what)
	}
}
