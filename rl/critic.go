package rl

import (
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
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
	// pool runs the two networks side by side (nil: one after the other);
	// each computes what it would alone, so the results are the same.
	pool *tensor.Pool
	twin twinWork[F]
}

// twinWork runs two networks' forward or backward passes as the indices
// 0 and 1 of a pool's range; kept in its owner so that a pass allocates
// nothing.
type twinWork[F nn.Float] struct {
	nets [2]*mlp[F]
	in   [2][]F // forward: each network's input
	d    [2][]F // backward: each network's output gradient
	back bool
	out  [2][]F
}

func (w *twinWork[F]) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		if w.back {
			w.out[i] = w.nets[i].backward(w.d[i], true)
		} else {
			w.out[i] = w.nets[i].forward(w.in[i], w.nets[i].batch)
		}
	}
}

// both runs the twin work on pool (sequentially when it is nil).
func (w *twinWork[F]) both(pool *tensor.Pool) { pool.Run(w, 2, 1) }

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
	c.twin.nets, c.twin.back = c.q, false
	c.twin.in = [2][]F{c.in, c.in}
	c.q[0].batch, c.q[1].batch = batch, batch
	c.twin.both(c.pool)
	return c.twin.out[0], c.twin.out[1]
}

// Backward takes the gradients of both outputs, adds the parameters'
// gradients and returns the gradient of the actions (the critic's own).
func (c *Critic[F]) Backward(d1, d2 []F) (dAction []F) {
	n := c.obs + actionRange
	c.twin.nets, c.twin.back, c.twin.d = c.q, true, [2][]F{d1, d2}
	c.twin.both(c.pool)
	g1, g2 := c.twin.out[0], c.twin.out[1]
	c.dIn = grown(c.dIn, c.batch)
	for b := 0; b < c.batch; b++ {
		c.dIn[b] = g1[b*n+c.obs] + g2[b*n+c.obs]
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
