package rl

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
)

// Critic is SAC's twin Q: two networks Linear(obs+1 → H), ReLU,
// Linear(H → H), ReLU, Linear(H → 1) on the last observation and the
// action.
type Critic[F nn.Float] struct {
	q      [2]*mlp[F]
	obs    int
	params []*nn.Param[F]
	batch  int
	in     []F // [batch, obs+1]
	dIn    []F
}

// NewCritic builds a twin Q of width h, drawing its weights from rng.
func NewCritic[F nn.Float](obs, h int, rng *rand.Rand) *Critic[F] {
	c := &Critic[F]{obs: obs}
	for i := range c.q {
		c.q[i] = newMLP[F]("q"+string(rune('1'+i)), []int{obs + actionRange, h, h, 1}, false, rng)
		c.params = append(c.params, c.q[i].params()...)
	}
	return c
}

// Params are both networks' parameters in a fixed order.
func (c *Critic[F]) Params() []*nn.Param[F] { return c.params }

// Forward evaluates both networks on observations [batch, obs] and
// actions [batch]; the results are the critic's own slices.
func (c *Critic[F]) Forward(obs, action []F, batch int) (q1, q2 []F) {
	c.batch = batch
	n := c.obs + actionRange
	c.in = grown(c.in, batch*n)
	for b := 0; b < batch; b++ {
		copy(c.in[b*n:], obs[b*c.obs:(b+1)*c.obs])
		c.in[b*n+c.obs] = action[b]
	}
	return c.q[0].forward(c.in, batch), c.q[1].forward(c.in, batch)
}

// Backward takes the gradients of both outputs, adds the parameters'
// gradients and returns the gradient of the actions (the critic's own).
func (c *Critic[F]) Backward(d1, d2 []F) (dAction []F) {
	n := c.obs + actionRange
	g1 := c.q[0].backward(d1, true)
	c.dIn = grown(c.dIn, c.batch)
	for b := 0; b < c.batch; b++ {
		c.dIn[b] = g1[b*n+c.obs]
	}
	g2 := c.q[1].backward(d2, true)
	for b := 0; b < c.batch; b++ {
		c.dIn[b] += g2[b*n+c.obs]
	}
	return c.dIn
}

// copyFrom sets c's parameters to o's (the target networks' start).
func (c *Critic[F]) copyFrom(o *Critic[F]) {
	for i, p := range c.params {
		copy(p.Value, o.params[i].Value)
	}
}

// polyak moves c's parameters towards o's: c ← τ·o + (1 − τ)·c.
func (c *Critic[F]) polyak(o *Critic[F], tau F) {
	for i, p := range c.params {
		src := o.params[i].Value
		for j, v := range p.Value {
			p.Value[j] = tau*src[j] + (1-tau)*v
		}
	}
}
