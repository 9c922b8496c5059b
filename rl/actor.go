package rl

import (
	"math"
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// Log-std bounds and the squashing correction's epsilon, as published.
const (
	logStdMin   = -20
	logStdMax   = 2
	squashEps   = 1e-6
	halfLog2Pi  = 0.9189385332046727 // ½·ln 2π
	actionRange = 1                  // one actuator in both environments
)

// Actor is the policy: a spiking encoder of the observation window, then
// two branches (Linear H→H, ReLU, Linear H→H, ReLU) to the mean and the
// log-std (clamped to [−20, 2]) of a Gaussian squashed by tanh and scaled
// to the action range.
type Actor[F nn.Float] struct {
	enc          *encoder[F]
	mean, logStd *mlp[F] // branch and head: features → H → H → 1
	scale, bias  F       // action = tanh(u)·scale + bias
	params       []*nn.Param[F]

	batch          int
	mu, ls         []F // [batch]: mean and clamped log-std
	eps, u, th     []F // the draw, the pre-squash sample, tanh(u)
	action, logp   []F
	dMu, dLs, dTmp []F
	pool           *tensor.Pool // runs the two branches side by side; nil: in turn
	twin           twinWork[F]
}

// NewActor builds the policy of kind for observations of obs values and
// the action range [low, high], drawing its weights from rng.
// smooth > 0 swaps the spike for a sigmoid of that slope (gradient checks).
func NewActor[F nn.Float](kind ActorKind, obs int, low, high float64, doublePendulum bool, smooth float64, rng *rand.Rand) *Actor[F] {
	return newActor[F](kind, obs, low, high, doublePendulum, smooth, kind.Hidden(), rng)
}

// newActor is NewActor of width h (tests shrink it).
func newActor[F nn.Float](kind ActorKind, obs int, low, high float64, doublePendulum bool, smooth float64, h int, rng *rand.Rand) *Actor[F] {
	_, lens := kind.unitConstants(doublePendulum)
	sg := nn.Surrogate[F]{Lens: F(lens), Smooth: F(smooth)}
	a := &Actor[F]{enc: newEncoder(kind, obs, h, doublePendulum, sg, rng), scale: F((high - low) / 2), bias: F((high + low) / 2)}
	f := a.enc.features()
	a.mean = newMLP[F]("mean", []int{f, h, h, actionRange}, false, rng)
	a.logStd = newMLP[F]("log_std", []int{f, h, h, actionRange}, false, rng)
	a.params = append(a.params, a.enc.params()...)
	a.params = append(a.params, a.mean.params()...)
	a.params = append(a.params, a.logStd.params()...)
	return a
}

// Params are the trainable parameters in a fixed order.
func (a *Actor[F]) Params() []*nn.Param[F] { return a.params }

// Frozen are the HH actor's fixed rates and time steps (none otherwise).
func (a *Actor[F]) Frozen() [][]F { return a.enc.frozen() }

// Forward computes the Gaussian's mean and clamped log-std for windows
// [batch][WindowObs][obs].
func (a *Actor[F]) Forward(win []F, batch int) (mu, logStd []F) {
	a.batch = batch
	feat := a.enc.forward(win, batch)
	a.mean.batch, a.logStd.batch = batch, batch
	a.twin.nets, a.twin.back, a.twin.in = [2]*mlp[F]{a.mean, a.logStd}, false, [2][]F{feat, feat}
	a.twin.both(a.pool)
	a.mu = a.twin.out[0]
	raw := a.twin.out[1]
	a.ls = grown(a.ls, batch)
	for i, v := range raw[:batch] {
		a.ls[i] = min(max(v, logStdMin), logStdMax)
	}
	return a.mu[:batch], a.ls
}

// Sample draws the action from the last Forward's Gaussian with eps
// [batch] (u = μ + σ·ε), squashes it, and returns it with its
// log-probability corrected by log(scale·(1 − tanh²u) + 1e-6).
func (a *Actor[F]) Sample(eps []F) (action, logp []F) {
	n := a.batch
	a.eps, a.u, a.th = grown(a.eps, n), grown(a.u, n), grown(a.th, n)
	a.action, a.logp = grown(a.action, n), grown(a.logp, n)
	for i := 0; i < n; i++ {
		e := eps[i]
		a.eps[i] = e
		sigma := F(math.Exp(float64(a.ls[i])))
		u := a.mu[i] + sigma*e
		th := F(math.Tanh(float64(u)))
		a.u[i], a.th[i] = u, th
		a.action[i] = th*a.scale + a.bias
		a.logp[i] = -e*e/2 - a.ls[i] - halfLog2Pi - F(math.Log(float64(a.scale*(1-th*th))+squashEps))
	}
	return a.action, a.logp
}

// Mean returns the deterministic action tanh(μ)·scale + bias of the last
// Forward (evaluation).
func (a *Actor[F]) Mean() []F {
	a.action = grown(a.action, a.batch)
	for i, m := range a.mu[:a.batch] {
		a.action[i] = F(math.Tanh(float64(m)))*a.scale + a.bias
	}
	return a.action
}

// Backward takes the gradients of a loss with respect to the last Sample's
// actions and log-probabilities and adds the parameters' gradients.
func (a *Actor[F]) Backward(dAction, dLogp []F) {
	n := a.batch
	a.dMu, a.dLs = grown(a.dMu, n), grown(a.dLs, n)
	raw := a.logStd.acts[len(a.logStd.layers)]
	for i := 0; i < n; i++ {
		th, sigma := a.th[i], F(math.Exp(float64(a.ls[i])))
		corr := a.scale*(1-th*th) + squashEps
		// d logp/du through the correction −log(scale·(1 − tanh²u) + ε).
		dLogpDu := 2 * a.scale * th * (1 - th*th) / corr
		du := dAction[i]*a.scale*(1-th*th) + dLogp[i]*dLogpDu
		a.dMu[i] = du
		dls := du*sigma*a.eps[i] - dLogp[i]
		if raw[i] < logStdMin || raw[i] > logStdMax {
			dls = 0 // the clamp passes no gradient
		}
		a.dLs[i] = dls
	}
	a.twin.nets, a.twin.back, a.twin.d = [2]*mlp[F]{a.mean, a.logStd}, true, [2][]F{a.dMu, a.dLs}
	a.twin.both(a.pool)
	g1, g2 := a.twin.out[0], a.twin.out[1]
	a.dTmp = grown(a.dTmp, len(g1))
	for i, v := range g2 {
		a.dTmp[i] = g1[i] + v
	}
	a.enc.backward(a.dTmp)
}
