package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// refConv is the textbook 3×3 convolution with zero padding, on CBHW maps.
func refConv(w, bias, x []float64, cin, cout, batch, h, wd int) []float64 {
	y := make([]float64, cout*batch*h*wd)
	for co := 0; co < cout; co++ {
		for b := 0; b < batch; b++ {
			for yy := 0; yy < h; yy++ {
				for xx := 0; xx < wd; xx++ {
					s := bias[co]
					for ci := 0; ci < cin; ci++ {
						for ky := 0; ky < 3; ky++ {
							for kx := 0; kx < 3; kx++ {
								sy, sx := yy+ky-1, xx+kx-1
								if sy < 0 || sy >= h || sx < 0 || sx >= wd {
									continue
								}
								s += w[co*cin*9+ci*9+ky*3+kx] * x[((ci*batch+b)*h+sy)*wd+sx]
							}
						}
					}
					y[((co*batch+b)*h+yy)*wd+xx] = s
				}
			}
		}
	}
	return y
}

func TestConv2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 1))
	const cin, cout, batch, h, w = 2, 3, 2, 5, 4
	c := NewConv2d[float64]("c", cin, cout, h, w, rng)
	x := randVec(rng, cin*batch*h*w, -1, 1)
	y := make([]float64, cout*batch*h*w)
	c.Forward(y, x, batch, 1)
	if want := refConv(c.Wt.Value, c.B.Value, x, cin, cout, batch, h, w); !closeTo(y, want, 1e-13) {
		t.Fatal("Conv2d.Forward differs from the textbook convolution")
	}
	coef := randVec(rng, len(y), -1, 1)
	for _, times := range []float64{1, 4} {
		loss := func() float64 { c.Forward(y, x, batch, times); return dot(coef, y) }
		dx := make([]float64, len(x))
		ZeroGrads(c.Params())
		loss()
		c.Backward(dx, coef, x, batch, times)
		checkGrad(t, "Conv2d dx", func(v []float64) float64 { copy(x, v); return loss() }, slices.Clone(x), dx)
		for _, p := range c.Params() {
			orig := slices.Clone(p.Value)
			checkGrad(t, "Conv2d d"+p.Name, func(v []float64) float64 { copy(p.Value, v); return loss() }, orig, slices.Clone(p.Grad))
			copy(p.Value, orig)
		}
	}
}

func TestAvgPool2(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16} // one 4×4 plane
	y := make([]float64, 4)
	AvgPool2Forward(y, x, 1, 4, 4)
	if !slices.Equal(y, []float64{3.5, 5.5, 11.5, 13.5}) {
		t.Errorf("pooled %v", y)
	}
	rng := rand.New(rand.NewPCG(32, 1))
	const planes, h, w = 3, 6, 4
	xs := randVec(rng, planes*h*w, -1, 1)
	coef := randVec(rng, planes*h*w/4, -1, 1)
	ys := make([]float64, len(coef))
	dx := make([]float64, len(xs))
	AvgPool2Backward(dx, coef, planes, h, w)
	checkGrad(t, "AvgPool2 dx", func(v []float64) float64 { AvgPool2Forward(ys, v, planes, h, w); return dot(coef, ys) }, xs, dx)
}

// TestConv2dDirect checks the direct float32 engine against the float64
// textbook convolution and its gradients (computed by the fd-checked
// im2col path in float64), on sparse and dense inputs, non-square maps and
// channel counts that do and do not fill whole vectors; and that its bits
// do not depend on the number of workers.
func TestConv2dDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 1))
	for _, c := range []struct{ cin, cout, batch, h, w int }{
		{10, 10, 5, 6, 4}, {10, 30, 9, 4, 4}, {40, 40, 3, 4, 6}, {3, 17, 2, 3, 5},
		// Rows of a vector or more: the input gradient by PlaneSum, in
		// one block of input channels or several.
		{10, 10, 5, 18, 18}, {10, 30, 3, 5, 9}, {40, 40, 2, 8, 8}, {13, 3, 2, 3, 11},
	} {
		for _, density := range []float64{0.03, 0.1, 1} { // 0.03: with FollowNonzeros
			ref := NewConv2d[float64]("c", c.cin, c.cout, c.h, c.w, rng)
			x := randVec(rng, c.cin*c.batch*c.h*c.w, -1, 1)
			for i := range x {
				if rng.Float64() >= density {
					x[i] = 0
				}
			}
			dy := randVec(rng, c.cout*c.batch*c.h*c.w, -1, 1)
			n := c.batch * c.h * c.w
			y := make([]float64, c.cout*n)
			dx := make([]float64, len(x))
			ref.Forward(y, x, c.batch, 4)
			ref.Backward(dx, dy, x, c.batch, 4)

			var bits [][]float32
			for _, workers := range []int{1, 2, 3} {
				pool := tensor.NewPool(workers)
				f := NewConv2d[float32]("c", c.cin, c.cout, c.h, c.w, rng)
				f.Pool = pool
				f.FollowNonzeros = density < 0.05
				copy32(f.Wt.Value, ref.Wt.Value)
				copy32(f.B.Value, ref.B.Value)
				x32, dy32 := to32(x), to32(dy)
				y32, dx32 := make([]float32, len(y)), make([]float32, len(dx))
				f.Forward(y32, x32, c.batch, 4)
				f.Backward(dx32, dy32, x32, c.batch, 4)
				pool.Close()
				if f.direct == nil {
					t.Fatal("the direct engine did not run")
				}
				if d := f.direct; d.planeFit && d.planeAll == f.FollowNonzeros {
					t.Fatalf("%+v density %g: planes %v with FollowNonzeros %v", c, density, d.planeAll, f.FollowNonzeros)
				}
				for _, q := range []struct {
					name string
					got  []float32
					want []float64
				}{{"y", y32, y}, {"dx", dx32, dx}, {"dW", f.Wt.Grad, ref.Wt.Grad}, {"dB", f.B.Grad, ref.B.Grad}} {
					for i, g := range q.got {
						if math.Abs(float64(g)-q.want[i]) > 1e-4*(1+math.Abs(q.want[i])) {
							t.Fatalf("%+v density %g: %s[%d] = %v, want %v", c, density, q.name, i, g, q.want[i])
						}
					}
				}
				got := slices.Concat(y32, dx32, f.Wt.Grad, f.B.Grad)
				for _, prev := range bits {
					if !slices.Equal(prev, got) {
						t.Fatalf("%+v: bits depend on the number of workers", c)
					}
				}
				bits = append(bits, got)
			}
		}
	}
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	copy32(out, v)
	return out
}

func copy32(dst []float32, src []float64) {
	for i, v := range src {
		dst[i] = float32(v)
	}
}

func TestConv2dPlane(t *testing.T) {
	rng := rand.New(rand.NewPCG(34, 1))
	for _, c := range []struct{ cout, batch, h, w int }{
		{10, 9, 36, 36}, {3, 5, 4, 8}, {4, 6, 5, 17}, {2, 3, 12, 12},
	} {
		ref := NewConv2d[float64]("c", 1, c.cout, c.h, c.w, rng)
		x := randVec(rng, c.batch*c.h*c.w, -1, 1)
		for i := range x {
			if rng.Float64() < 0.5 {
				x[i] = 0
			}
		}
		dy := randVec(rng, c.cout*c.batch*c.h*c.w, -1, 1)
		y := make([]float64, c.cout*c.batch*c.h*c.w)
		ref.Forward(y, x, c.batch, 3)
		ref.Backward(nil, dy, x, c.batch, 3)

		var bits [][]float32
		for _, workers := range []int{1, 2, 3} {
			pool := tensor.NewPool(workers)
			f := NewConv2d[float32]("c", 1, c.cout, c.h, c.w, rng)
			f.Pool = pool
			copy32(f.Wt.Value, ref.Wt.Value)
			copy32(f.B.Value, ref.B.Value)
			x32, dy32 := to32(x), to32(dy)
			y32 := make([]float32, len(y))
			f.Forward(y32, x32, c.batch, 3)
			f.Backward(nil, dy32, x32, c.batch, 3)
			pool.Close()
			if f.plane == nil {
				t.Fatal("the plane engine did not run")
			}
			for _, q := range []struct {
				name string
				got  []float32
				want []float64
			}{{"y", y32, y}, {"dW", f.Wt.Grad, ref.Wt.Grad}, {"dB", f.B.Grad, ref.B.Grad}} {
				for i, g := range q.got {
					if math.Abs(float64(g)-q.want[i]) > 1e-4*(1+math.Abs(q.want[i])) {
						t.Fatalf("%+v: %s[%d] = %v, want %v", c, q.name, i, g, q.want[i])
					}
				}
			}
			got := slices.Concat(y32, f.Wt.Grad, f.B.Grad)
			for _, prev := range bits {
				if !slices.Equal(prev, got) {
					t.Fatalf("%+v: bits depend on the number of workers", c)
				}
			}
			bits = append(bits, got)
		}
	}
}
