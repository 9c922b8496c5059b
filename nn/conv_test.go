package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
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
