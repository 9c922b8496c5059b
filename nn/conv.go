package nn

import (
	"math"
	"math/rand/v2"

	"github.com/hhnet/hhnet/tensor"
)

// Feature maps are laid out channel-major across the batch, [C][batch][H][W]
// ("CBHW"), so that a convolution of the whole batch is one product:
// output [Cout][batch·H·W] = W [Cout][Cin·9] × columns [Cin·9][batch·H·W].
// For one input channel this is the same memory as [batch][H][W].

// Conv2d is a 3×3 convolution, stride 1, padding 1, from Cin to Cout
// channels of H×W maps, with W of shape [Cout][Cin·9] (PyTorch's
// [Cout][Cin][3][3]) and a bias per output channel.
type Conv2d[F Float] struct {
	Cin, Cout, H, W int
	Wt, B           *Param[F]
	Pool            *tensor.Pool
	NoDirect        bool // use im2col and GEMM even where the direct engine applies
	// FollowNonzeros makes the direct engine follow the input's nonzeros
	// even for few channel pairs, where it would otherwise convolve dense
	// planes: for inputs known to be mostly zeros, such as a binary
	// stage's pooled output (BenchmarkConv2d/second: faster up to a
	// quarter nonzero). It changes the order of float32 sums, not the maths.
	FollowNonzeros bool
	cols, dcols    []F // [Cin·9][batch·H·W]
	direct         *directConv
	plane          *planeConv
}

// NewConv2d returns a convolution with PyTorch's default initialisation,
// U(−1/√(Cin·9), 1/√(Cin·9)) for weights and biases.
func NewConv2d[F Float](name string, cin, cout, h, w int, rng *rand.Rand) *Conv2d[F] {
	c := &Conv2d[F]{Cin: cin, Cout: cout, H: h, W: w,
		Wt: NewParam[F](name+".weight", cout, cin*9), B: NewParam[F](name+".bias", cout)}
	bound := 1 / math.Sqrt(float64(cin*9))
	c.Wt.Uniform(rng, bound)
	c.B.Uniform(rng, bound)
	return c
}

// Params returns the weights and biases.
func (c *Conv2d[F]) Params() []*Param[F] { return []*Param[F]{c.Wt, c.B} }

// im2col fills cols [Cin·9][batch·H·W] from x [Cin][batch][H][W].
func (c *Conv2d[F]) im2col(x []F, batch int) {
	h, w := c.H, c.W
	n := batch * h * w
	c.cols = grow(c.cols, c.Cin*9*n)
	for ci := 0; ci < c.Cin; ci++ {
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				row := c.cols[((ci*3+ky)*3+kx)*n : ((ci*3+ky)*3+kx+1)*n]
				for b := 0; b < batch; b++ {
					src := x[(ci*batch+b)*h*w : (ci*batch+b+1)*h*w]
					dst := row[b*h*w : (b+1)*h*w]
					for y := 0; y < h; y++ {
						sy := y + ky - 1
						d := dst[y*w : (y+1)*w]
						if sy < 0 || sy >= h {
							clear(d)
							continue
						}
						s := src[sy*w : (sy+1)*w]
						// d[x] = s[x + kx − 1], zero outside.
						switch kx {
						case 0:
							d[0] = 0
							copy(d[1:], s[:w-1])
						case 1:
							copy(d, s)
						default:
							copy(d[:w-1], s[1:])
							d[w-1] = 0
						}
					}
				}
			}
		}
	}
}

// col2im adds dcols back into dx [Cin][batch][H][W] (the adjoint of im2col).
func (c *Conv2d[F]) col2im(dx []F, batch int) {
	h, w := c.H, c.W
	n := batch * h * w
	for ci := 0; ci < c.Cin; ci++ {
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				row := c.dcols[((ci*3+ky)*3+kx)*n : ((ci*3+ky)*3+kx+1)*n]
				for b := 0; b < batch; b++ {
					dst := dx[(ci*batch+b)*h*w : (ci*batch+b+1)*h*w]
					src := row[b*h*w : (b+1)*h*w]
					for y := 0; y < h; y++ {
						sy := y + ky - 1
						if sy < 0 || sy >= h {
							continue
						}
						d, s := dst[sy*w:(sy+1)*w], src[y*w:(y+1)*w]
						switch kx {
						case 0:
							tensor.Add(d[:w-1], s[1:])
						case 1:
							tensor.Add(d, s)
						default:
							tensor.Add(d[1:], s[:w-1])
						}
					}
				}
			}
		}
	}
}

// Forward overwrites y [Cout][batch][H][W] with the convolution of x
// [Cin][batch][H][W] plus the bias times biasTimes (1 normally; s-LIF2HH's
// layer 2 convolves the sum of four spike maps, which stands for four
// convolutions, so it adds the bias four times).
func (c *Conv2d[F]) Forward(y, x []F, batch int, biasTimes F) {
	n := batch * c.H * c.W
	if len(x) < c.Cin*n || len(y) < c.Cout*n {
		panic("nn: Conv2d.Forward buffers shorter than the batch")
	}
	if d := c.directEngine(); d != nil {
		d.forward(any(y).([]float32), any(x).([]float32), batch, float32(biasTimes))
		return
	}
	if p := c.planeEngine(); p != nil {
		p.forward(any(y).([]float32), any(x).([]float32), batch, float32(biasTimes))
		return
	}
	c.im2col(x, batch)
	for co := 0; co < c.Cout; co++ {
		b := biasTimes * c.B.Value[co]
		row := y[co*n : (co+1)*n]
		for i := range row {
			row[i] = b
		}
	}
	tensor.Gemm(c.Pool, false, false, c.Cout, n, c.Cin*9, 1, c.Wt.Value, c.Cin*9, c.cols, n, 1, y, n)
}

// Backward adds the weight and bias gradients of dy [Cout][batch][H][W]
// for input x, and, if dx is not nil, overwrites dx [Cin][batch][H][W]
// with the input gradient. biasTimes is Forward's.
func (c *Conv2d[F]) Backward(dx, dy, x []F, batch int, biasTimes F) {
	n := batch * c.H * c.W
	if len(x) < c.Cin*n || len(dy) < c.Cout*n || dx != nil && len(dx) < c.Cin*n {
		panic("nn: Conv2d.Backward buffers shorter than the batch")
	}
	if d := c.directEngine(); d != nil {
		var dx32 []float32
		if dx != nil {
			dx32 = any(dx).([]float32)
		}
		d.backward(dx32, any(dy).([]float32), any(x).([]float32), batch, float32(biasTimes))
		return
	}
	if p := c.planeEngine(); p != nil && dx == nil {
		p.backward(any(dy).([]float32), any(x).([]float32), batch, float32(biasTimes))
		return
	}
	c.im2col(x, batch)
	k := c.Cin * 9
	tensor.Gemm(c.Pool, false, true, c.Cout, k, n, 1, dy, n, c.cols, n, 1, c.Wt.Grad, k)
	c.biasGrad(dy, n, biasTimes)
	if dx == nil {
		return
	}
	c.dcols = grow(c.dcols, k*n)
	tensor.Gemm(c.Pool, true, false, k, n, c.Cout, 1, c.Wt.Value, k, dy, n, 0, c.dcols, n)
	clear(dx[:c.Cin*n])
	c.col2im(dx, batch)
}

// biasGrad adds the bias gradient of dy [Cout][n].
func (c *Conv2d[F]) biasGrad(dy []F, n int, biasTimes F) {
	for co := 0; co < c.Cout; co++ {
		c.B.Grad[co] += biasTimes * sum8(dy[co*n:(co+1)*n])
	}
}

// sum8 adds v up in eight interleaved partial sums, combined pairwise at
// the end: eight independent additions per round instead of one chain.
func sum8[F Float](v []F) F {
	var s [8]F
	i := 0
	for ; i+8 <= len(v); i += 8 {
		w := v[i : i+8 : i+8]
		s[0] += w[0]
		s[1] += w[1]
		s[2] += w[2]
		s[3] += w[3]
		s[4] += w[4]
		s[5] += w[5]
		s[6] += w[6]
		s[7] += w[7]
	}
	for j, x := range v[i:] {
		s[j] += x
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// directEngine returns the direct float32 engine for convolutions of
// several input channels (nil for float64 checks, where im2col and GEMM
// serve as the reference, and for one input channel, planeEngine's).
func (c *Conv2d[F]) directEngine() *directConv {
	if c.Cin == 1 || c.NoDirect {
		return nil
	}
	c32, ok := any(c).(*Conv2d[float32])
	if !ok {
		return nil
	}
	if c.direct == nil {
		c.direct = newDirectConv(c32)
	}
	return c.direct
}

// planeEngine returns the float32 engine for one input channel (nil for
// float64 checks, several channels, and maps narrower than a vector).
func (c *Conv2d[F]) planeEngine() *planeConv {
	if c.Cin != 1 || c.NoDirect || !planeUsable(c.W) {
		return nil
	}
	c32, ok := any(c).(*Conv2d[float32])
	if !ok {
		return nil
	}
	if c.plane == nil {
		c.plane = newPlaneConv(c32)
	}
	return c.plane
}

// AvgPool2Forward overwrites y [C][batch][H/2][W/2] with the means of the
// 2×2 blocks of x [C][batch][H][W] (planes = C·batch; H and W even).
func AvgPool2Forward[F Float](y, x []F, planes, h, w int) {
	oh, ow := h/2, w/2
	for p := 0; p < planes; p++ {
		src, dst := x[p*h*w:(p+1)*h*w], y[p*oh*ow:(p+1)*oh*ow]
		for oy := 0; oy < oh; oy++ {
			r0, r1 := src[2*oy*w:(2*oy+1)*w], src[(2*oy+1)*w:(2*oy+2)*w]
			d := dst[oy*ow : (oy+1)*ow]
			for ox := range d {
				d[ox] = (r0[2*ox] + r0[2*ox+1] + r1[2*ox] + r1[2*ox+1]) / 4
			}
		}
	}
}

// AvgPool2Backward overwrites dx [C][batch][H][W] with the gradient of the
// pooling given dy [C][batch][H/2][W/2]: each input gets a quarter.
func AvgPool2Backward[F Float](dx, dy []F, planes, h, w int) {
	oh, ow := h/2, w/2
	for p := 0; p < planes; p++ {
		src, dst := dy[p*oh*ow:(p+1)*oh*ow], dx[p*h*w:(p+1)*h*w]
		for oy := 0; oy < oh; oy++ {
			r0, r1 := dst[2*oy*w:(2*oy+1)*w], dst[(2*oy+1)*w:(2*oy+2)*w]
			for ox, g := range src[oy*ow : (oy+1)*ow] {
				q := g / 4
				r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1] = q, q, q, q
			}
		}
	}
}
