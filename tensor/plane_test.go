package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// planeCase is a random h×w map, 60 % nonzero, zero-bordered to rows of
// w+2, and its plane rows.
func planeCase(rng *rand.Rand, h, w int) (src []float32, rows *PlaneRows) {
	row := w + 2
	src = make([]float32, (h+2)*row)
	for y := range h {
		for x := range w {
			if rng.Float64() < 0.6 {
				src[(y+1)*row+x+1] = rng.Float32()*2 - 1
			}
		}
	}
	return src, NewPlaneRows(h, w)
}

// conv3x3 is the textbook convolution of the padded map, in float64.
func conv3x3(src []float32, h, w int, k []float32, bias float32) []float64 {
	out := make([]float64, h*w)
	for y := range h {
		for x := range w {
			s := float64(bias)
			for ky := range 3 {
				for kx := range 3 {
					s += float64(k[3*ky+kx]) * float64(src[(y+ky)*(w+2)+x+kx])
				}
			}
			out[y*w+x] = s
		}
	}
	return out
}

func TestPlaneMatchesTextbook(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, hw := range [][2]int{{1, 8}, {3, 12}, {18, 18}, {36, 36}, {5, 17}} {
		h, w := hw[0], hw[1]
		src, rows := planeCase(rng, h, w)
		const cout = 3
		wts, bias := make([]float32, cout*Taps), make([]float32, cout)
		for i := range wts {
			wts[i] = rng.Float32() - 0.5
		}
		for i := range bias {
			bias[i] = rng.Float32() - 0.5
		}
		cstride := h*w + 5
		dst := make([]float32, cout*cstride)
		Plane(dst, cstride, src, rows, wts, bias)
		dy := make([]float32, cout*cstride)
		for i := range dy {
			dy[i] = rng.Float32() - 0.5
		}
		acc := make([]float32, cout*80)
		PlaneGrad(acc, dy, cstride, src, rows, cout)
		for co := range cout {
			want := conv3x3(src, h, w, wts[co*Taps:], bias[co])
			for i, v := range want {
				if got := dst[co*cstride+i]; math.Abs(float64(got)-v) > 1e-5 {
					t.Fatalf("%d×%d channel %d: output %d = %v, want %v", h, w, co, i, got, v)
				}
			}
			// Gradients: Σ over outputs of dy times the tapped input.
			for tap := range Taps + 1 {
				var want float64
				for y := range h {
					for x := range w {
						g := float64(dy[co*cstride+y*w+x])
						if tap == Taps {
							want += g
						} else {
							want += g * float64(src[(y+tap/3)*(w+2)+x+tap%3])
						}
					}
				}
				var got float64
				for _, v := range acc[(co*10+tap)*8:][:8] {
					got += float64(v)
				}
				if math.Abs(got-want) > 1e-4 {
					t.Fatalf("%d×%d channel %d: gradient %d = %v, want %v", h, w, co, tap, got, want)
				}
			}
		}
	}
}

func TestPlaneOutOfRangePanics(t *testing.T) {
	src, rows := planeCase(rand.New(rand.NewPCG(1, 1)), 4, 8)
	// An 11-wide row: vectors at columns 0 and 3, the second repeating 3–7.
	if got := NewPlaneRows(1, 11).Mask[8:]; got[4] != 0 || got[5] != ^uint32(0) {
		t.Errorf("mask of the last vector of an 11-wide row = %x, want five repeated lanes", got)
	}
	w, b := make([]float32, Taps), make([]float32, 1)
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"dst too short", func() { Plane(make([]float32, 31), 0, src, rows, w, b) }},
		{"src too short", func() { Plane(make([]float32, 32), 0, src[:50], rows, w, b) }},
		{"weights too few", func() { Plane(make([]float32, 32), 0, src, rows, w[:8], b) }},
		{"sums too few", func() { PlaneGrad(make([]float32, 79), make([]float32, 32), 0, src, rows, 1) }},
		{"second plane past the end", func() { PlaneSum(make([]float32, 40), 16, src, 0, 1, 2, make([]float32, 18), make([]float32, 2), rows) }},
		{"a map narrower than a vector", func() { NewPlaneRows(3, 7) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.run()
		}()
	}
}

// BenchmarkPlane: the first convolution of the conv models on one image,
// 36×36, ten output channels, forward and weight gradient.
func BenchmarkPlane(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	src, rows := planeCase(rng, 36, 36)
	w, bias := make([]float32, 10*Taps), make([]float32, 10)
	dst, acc := make([]float32, 10*1296), make([]float32, 800)
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			Plane(dst, 1296, src, rows, w, bias)
		}
	})
	b.Run("grad", func(b *testing.B) {
		for b.Loop() {
			PlaneGrad(acc, dst, 1296, src, rows, 10)
		}
	})
}

func TestPlaneSumMatchesTextbook(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ h, w, kin, kout int }{
		{1, 8, 1, 1}, {18, 18, 10, 5}, {5, 17, 3, 6}, {4, 9, 40, 4}, {3, 8, 2, 3},
	} {
		var planes [][]float32
		var src []float32
		var rows *PlaneRows
		for range c.kin {
			p, r := planeCase(rng, c.h, c.w)
			planes, src, rows = append(planes, p), append(src, p...), r
		}
		sstride := len(planes[0])
		w := make([]float32, c.kin*Taps*c.kout)
		for i := range w {
			w[i] = rng.Float32() - 0.5
		}
		bias := make([]float32, c.kout)
		for i := range bias {
			bias[i] = rng.Float32() - 0.5
		}
		cstride := c.h*c.w + 3
		dst := make([]float32, c.kout*cstride)
		PlaneSum(dst, cstride, src, sstride, c.kin, c.kout, w, bias, rows)
		for j := range c.kout {
			want := make([]float64, c.h*c.w)
			for i := range want {
				want[i] = float64(bias[j])
			}
			for ci := range c.kin {
				k := make([]float32, Taps)
				for tap := range Taps {
					k[tap] = w[(ci*Taps+tap)*c.kout+j]
				}
				for i, v := range conv3x3(planes[ci], c.h, c.w, k, 0) {
					want[i] += v
				}
			}
			for i, v := range want {
				if got := dst[j*cstride+i]; math.Abs(float64(got)-v) > 1e-4 {
					t.Fatalf("%+v: plane %d output %d = %v, want %v", c, j, i, got, v)
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("7 output planes: no panic")
		}
	}()
	PlaneSum(make([]float32, 7*8), 8, make([]float32, 30), 30, 1, 7, make([]float32, 7*Taps), make([]float32, 7), NewPlaneRows(1, 8))
}

// BenchmarkPlaneSum: the input gradient of LIF_conv's second convolution
// on one image, 10 planes to 10 (two blocks of 5), 18×18.
func BenchmarkPlaneSum(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	var src []float32
	var rows *PlaneRows
	for range 10 {
		p, r := planeCase(rng, 18, 18)
		src, rows = append(src, p...), r
	}
	w, bias, dst := make([]float32, 10*Taps*5), make([]float32, 5), make([]float32, 10*324)
	for b.Loop() {
		PlaneSum(dst, 324, src, 20*20, 10, 5, w, bias, rows)
		PlaneSum(dst[5*324:], 324, src, 20*20, 10, 5, w, bias, rows)
	}
}

func TestPadPlanes(t *testing.T) {
	for _, c := range []struct{ planes, h, w, gap int }{{1, 3, 8, 0}, {3, 4, 18, 5}, {2, 36, 36, 1}, {2, 2, 3, 0}} {
		src := make([]float32, c.planes*(c.h*c.w+c.gap))
		for i := range src {
			src[i] = float32(i + 1)
		}
		row, plane := c.w+2, (c.h+2)*(c.w+2)+3
		dst := make([]float32, c.planes*plane)
		PadPlanes(dst, plane, row, src, c.h*c.w+c.gap, c.planes, c.h, c.w)
		for p := range c.planes {
			for y := range c.h + 2 {
				for x := range c.w + 2 {
					var want float32
					if y > 0 && y <= c.h && x > 0 && x <= c.w {
						want = src[p*(c.h*c.w+c.gap)+(y-1)*c.w+x-1]
					}
					if got := dst[p*plane+y*row+x]; got != want {
						t.Fatalf("%+v: plane %d (%d, %d) = %v, want %v", c, p, y, x, got, want)
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a destination too short: no panic")
		}
	}()
	PadPlanes(make([]float32, 20), 20, 10, make([]float32, 16), 16, 1, 2, 8)
}
