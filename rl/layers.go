package rl

import (
	"math"
	"math/rand/v2"

	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// xavier gives l Xavier-uniform weights (gain 1) and zero biases, the
// agent's initialisation everywhere (docs/model.md §8).
func xavier[F nn.Float](l *nn.Linear[F], rng *rand.Rand) *nn.Linear[F] {
	l.W.Uniform(rng, math.Sqrt(6/float64(l.In+l.Out)))
	clear(l.B.Value)
	return l
}

func newLinear[F nn.Float](name string, in, out int, rng *rand.Rand) *nn.Linear[F] {
	return xavier(nn.NewLinear[F](name, in, out, rng), rng)
}

// mlp is Linear → ReLU → … → Linear (ReLU after every layer but the last
// when lastReLU is false), with the buffers of one batch.
type mlp[F nn.Float] struct {
	layers   []*nn.Linear[F]
	lastReLU bool
	acts     [][]F // the input of each layer, then the output
	grads    [][]F
	batch    int
}

func newMLP[F nn.Float](name string, sizes []int, lastReLU bool, rng *rand.Rand) *mlp[F] {
	m := &mlp[F]{lastReLU: lastReLU}
	for i := 0; i+1 < len(sizes); i++ {
		m.layers = append(m.layers, newLinear[F](name+"."+string(rune('0'+i)), sizes[i], sizes[i+1], rng))
	}
	return m
}

func (m *mlp[F]) params() []*nn.Param[F] {
	var ps []*nn.Param[F]
	for _, l := range m.layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

func grown[F nn.Float](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}

// forward runs x [batch, in] through the layers; the output is the mlp's
// own slice. x is kept (not copied) for backward.
func (m *mlp[F]) forward(x []F, batch int) []F {
	m.batch = batch
	if len(m.acts) == 0 {
		m.acts = make([][]F, len(m.layers)+1)
		m.grads = make([][]F, len(m.layers)+1)
	}
	m.acts[0] = x
	for i, l := range m.layers {
		y := grown(m.acts[i+1], batch*l.Out)
		if batch == 1 && l.In*l.Out >= rowProductMin {
			rowProduct(y, m.acts[i], l)
		} else {
			l.Forward(y, m.acts[i], batch)
		}
		if i+1 < len(m.layers) || m.lastReLU {
			relu(y)
		}
		m.acts[i+1] = y
	}
	return m.acts[len(m.layers)]
}

// rowProductMin is the number of weights from which a one-row product (an
// action's forward pass) skips Gemm: OpenBLAS copies ("packs") the whole
// matrix before multiplying one row by it, which for 4LIF's 512×512
// branches costs more than the arithmetic. rowProduct sums in another
// order than Gemm, so it is kept to those layers: the 128-wide actors'
// actions keep their bits.
const rowProductMin = 512 * 512

// rowProduct overwrites y [Out] with x·W + b for one row x [In], adding
// the rows of W in order and passing over x's zeros (spike rates and ReLU
// outputs are mostly zeros), each row with a vector axpy.
func rowProduct[F nn.Float](y, x []F, l *nn.Linear[F]) {
	y = y[:l.Out]
	copy(y, l.B.Value)
	for k, v := range x[:l.In] {
		if v != 0 {
			tensor.Axpy(y, v, l.W.Value[k*l.Out:(k+1)*l.Out])
		}
	}
}

// backward takes the output's gradient, adds the parameters' gradients
// and returns the input's (the mlp's own slice; nil when !needInput).
func (m *mlp[F]) backward(dy []F, needInput bool) []F {
	n := len(m.layers)
	g := dy
	for i := n - 1; i >= 0; i-- {
		l := m.layers[i]
		if i+1 < n || m.lastReLU {
			// Through the ReLU: zero where the output was clipped.
			out := m.acts[i+1]
			gg := grown(m.grads[i+1], len(g))
			reluGrad(gg, g, out)
			m.grads[i+1] = gg
			g = gg
		}
		var dx []F
		if i > 0 || needInput {
			dx = grown(m.grads[i], m.batch*l.In)
			m.grads[i] = dx
		}
		l.Backward(dx, g, m.acts[i], m.batch)
		g = dx
	}
	return g
}

// relu sets the negative values of y to 0. The signs of hidden units are
// data, so the float32 loop masks the bits instead of branching (a
// mispredicted branch per value cost more than the products here); both
// loops give the same bits: v where v ≥ 0, −0 or NaN, else +0.
func relu[F nn.Float](y []F) {
	if y32, ok := any(y).([]float32); ok {
		for j, v := range y32 {
			y32[j] = math.Float32frombits(math.Float32bits(v) & keepMask(!(v < 0)))
		}
		return
	}
	for j, v := range y {
		if v < 0 {
			y[j] = 0
		}
	}
}

// reluGrad writes to gg the gradient g through a ReLU whose output was out:
// g where out > 0, else +0 (without a branch in float32, as relu).
func reluGrad[F nn.Float](gg, g, out []F) {
	gg, out = gg[:len(g)], out[:len(g)]
	if g32, ok := any(g).([]float32); ok {
		gg32, out32 := any(gg).([]float32), any(out).([]float32)
		for j, v := range g32 {
			gg32[j] = math.Float32frombits(math.Float32bits(v) & keepMask(out32[j] > 0))
		}
		return
	}
	for j := range g {
		if out[j] > 0 {
			gg[j] = g[j]
		} else {
			gg[j] = 0
		}
	}
}

// keepMask is all ones if keep, else 0, from a SETcc rather than a branch.
func keepMask(keep bool) uint32 {
	var b uint32
	if keep {
		b = 1
	}
	return -b
}
