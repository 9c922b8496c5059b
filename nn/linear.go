package nn

import (
	"math"
	"math/rand/v2"

	"github.com/hhnet/hhnet/tensor"
)

// Linear is y = x·W + b with W of shape [In, Out] and x, y batch-major:
// x [batch, In], y [batch, Out]. (PyTorch stores the transpose, [Out, In];
// this layout makes the forward product and the weight gradient run over
// rows of W, so the pure-Go back end can skip the input's zeros.) A
// Linear keeps BackwardInput's scratch: one layer's backward passes must
// not run concurrently (each model and worker has its own layers).
type Linear[F Float] struct {
	In, Out int
	W, B    *Param[F]
	Pool    *tensor.Pool // splits large products; nil runs them here

	dxT transposeRows[F] // BackwardInput's dxᵀ, for a W larger than dy and dx
}

// NewLinear returns a layer with PyTorch's default initialisation: weights
// and bias from U(−1/√In, 1/√In).
func NewLinear[F Float](name string, in, out int, rng *rand.Rand) *Linear[F] {
	l := &Linear[F]{In: in, Out: out, W: NewParam[F](name+".weight", in, out), B: NewParam[F](name+".bias", out)}
	bound := 1 / math.Sqrt(float64(in))
	l.W.Uniform(rng, bound)
	l.B.Uniform(rng, bound)
	return l
}

// Params returns W and B.
func (l *Linear[F]) Params() []*Param[F] { return []*Param[F]{l.W, l.B} }

// Forward overwrites y [batch, Out] with x·W + b.
func (l *Linear[F]) Forward(y, x []F, batch int) {
	if len(x) < batch*l.In || len(y) < batch*l.Out {
		panic("nn: Linear.Forward buffers shorter than the batch")
	}
	l.fillBias(y, batch)
	tensor.Gemm(l.Pool, false, false, batch, l.Out, l.In, 1, x, l.In, l.W.Value, l.Out, 1, y, l.Out)
}

// Backward adds xᵀ·dy to W's gradient and the column sums of dy to B's,
// and, if dx is not nil, overwrites dx [batch, In] with dy·Wᵀ.
func (l *Linear[F]) Backward(dx, dy, x []F, batch int) {
	if len(x) < batch*l.In || len(dy) < batch*l.Out || dx != nil && len(dx) < batch*l.In {
		panic("nn: Linear.Backward buffers shorter than the batch")
	}
	tensor.Gemm(l.Pool, true, false, l.In, l.Out, batch, 1, x, l.In, dy, l.Out, 1, l.W.Grad, l.Out)
	l.addBiasGrad(dy, batch)
	if dx != nil {
		l.BackwardInput(dx, dy, batch)
	}
}

// ForwardSparse is Forward with x [batch, In] given by its nonzeros: it
// overwrites y [batch, Out] with x·W + b, skipping x's zeros.
func (l *Linear[F]) ForwardSparse(y []F, x *tensor.Sparse[F]) {
	batch := x.Rows
	if x.Cols != l.In || len(y) < batch*l.Out {
		panic("nn: Linear.ForwardSparse input or output of the wrong shape")
	}
	l.fillBias(y, batch)
	x.MulAdd(l.Pool, y, l.Out, l.W.Value, l.Out, l.Out)
}

// BackwardSparse is Backward with x given by its nonzeros and no input
// gradient: it adds xᵀ·dy to W's gradient and the column sums of dy to B's.
func (l *Linear[F]) BackwardSparse(dy []F, x *tensor.Sparse[F]) {
	batch := x.Rows
	if x.Cols != l.In || len(dy) < batch*l.Out {
		panic("nn: Linear.BackwardSparse input or gradient of the wrong shape")
	}
	x.TMulAdd(l.Pool, l.W.Grad, l.Out, dy, l.Out, l.Out)
	l.addBiasGrad(dy, batch)
}

// BackwardInput overwrites dx [batch, In] with dy·Wᵀ, the input gradient
// that BackwardSparse leaves out.
func (l *Linear[F]) BackwardInput(dx, dy []F, batch int) {
	if len(dx) < batch*l.In || len(dy) < batch*l.Out {
		panic("nn: Linear.BackwardInput buffers shorter than the batch")
	}
	if batch*(l.In+l.Out) >= l.In*l.Out {
		tensor.Gemm(l.Pool, false, true, batch, l.In, l.Out, 1, dy, l.Out, l.W.Value, l.Out, 0, dx, l.In)
		return
	}
	// dy·Wᵀ has a transposed B, which the tiles read from a transposed
	// copy: for a W larger than dy and dx together, dxᵀ = W·dyᵀ copies
	// less (dy, then the result), and the same sums come out.
	l.dxT.t = grow(l.dxT.t, l.In*batch)
	tensor.Gemm(l.Pool, false, true, l.In, batch, l.Out, 1, l.W.Value, l.Out, dy, l.Out, 0, l.dxT.t, batch)
	l.dxT.dx, l.dxT.in, l.dxT.batch = dx, l.In, batch
	l.Pool.Run(&l.dxT, l.In, transposeGrain)
	l.dxT.dx = nil
}

// transposeGrain is the input features per block of transposeRows, a
// multiple of the 8 × 8 blocks of tensor.Transpose.
const transposeGrain = 64

// transposeRows writes the rows [lo, hi) of dxᵀ [In, batch] into the
// columns of dx [batch, In], for BackwardInput.
type transposeRows[F Float] struct {
	t, dx     []F
	in, batch int
}

func (w *transposeRows[F]) Range(lo, hi int) {
	tensor.Transpose(w.dx[lo:], w.in, w.t[lo*w.batch:], w.batch, hi-lo, w.batch)
}

// fillBias sets every row of y [batch, Out] to the bias.
func (l *Linear[F]) fillBias(y []F, batch int) {
	for i := 0; i < batch; i++ {
		copy(y[i*l.Out:(i+1)*l.Out], l.B.Value)
	}
}

func (l *Linear[F]) addBiasGrad(dy []F, batch int) {
	for i := 0; i < batch; i++ {
		tensor.Add(l.B.Grad, dy[i*l.Out:(i+1)*l.Out])
	}
}
