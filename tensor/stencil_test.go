package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// stencilCase builds random rows and entries whose rows stay in range.
func stencilCase(rng *rand.Rand, width, n int) (dst, src []float32, dTap, sTap [Taps]int, vals []float32, dBase, sBase []int32) {
	w := 8 * width
	dst, src = make([]float32, 50*w), make([]float32, 40*w)
	for i := range dst {
		dst[i] = rng.Float32()
	}
	for i := range src {
		src[i] = rng.Float32() - 0.5
	}
	for t := range Taps {
		dTap[t] = (t - 4) * w
		sTap[t] = t*w + rng.IntN(3)
	}
	for range n {
		vals = append(vals, rng.Float32()*2-1)
		dBase = append(dBase, int32(4*w+rng.IntN(40*w)))
		sBase = append(sBase, int32(rng.IntN(20*w)))
	}
	return
}

// stencilLoop is Stencil's definition as a plain loop.
func stencilLoop(dst, src []float32, width int, dTap, sTap *[Taps]int, vals []float32, dBase, sBase []int32) {
	w := 8 * width
	for e, v := range vals {
		for t := range Taps {
			d := dst[int(dBase[e])+dTap[t]:][:w]
			for i, x := range src[int(sBase[e])+sTap[t]:][:w] {
				d[i] += v * x
			}
		}
	}
}

func TestStencilMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, width := range []int{1, 2, 4, 5} {
		for _, n := range []int{1, 7, 300} {
			dst, src, dTap, sTap, vals, dBase, sBase := stencilCase(rng, width, n)
			want := append([]float32(nil), dst...)
			stencilLoop(want, src, width, &dTap, &sTap, vals, dBase, sBase)
			Stencil(dst, src, width, &dTap, &sTap, vals, dBase, sBase)
			for i := range dst {
				// The kernel fuses multiply and add: one rounding per step.
				if math.Abs(float64(dst[i]-want[i])) > 1e-5 {
					t.Fatalf("width %d, n %d: dst[%d] = %v, loop gives %v", width, n, i, dst[i], want[i])
				}
			}
		}
	}
}

// TestStencilSum: summing in registers gives Stencil's bits (all entries
// on the same rows), on every width the kernels unroll and beyond.
func TestStencilSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 2))
	for _, width := range []int{1, 2, 5, 7} {
		for _, n := range []int{1, 9, 200} {
			rw := 8 * width
			dTap := [Taps]int{}
			for t := range Taps {
				dTap[t] = t*(rw+3) + rng.IntN(3) // rows apart, not aligned
			}
			dst := randDense[float32](rng, Taps*(rw+3)+3)
			src := randDense[float32](rng, 50*rw)
			var sTap [Taps]int
			for t := range Taps {
				sTap[t] = rng.IntN(10 * rw)
			}
			vals := randDense[float32](rng, n)
			sBase := make([]int32, n)
			for e := range sBase {
				sBase[e] = int32(rng.IntN(30 * rw))
			}
			want := append([]float32(nil), dst...)
			Stencil(want, src, width, &dTap, &sTap, vals, make([]int32, n), sBase)
			StencilSum(dst, src, width, &dTap, &sTap, vals, sBase)
			for i := range dst {
				if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
					t.Fatalf("width %d, n %d: dst[%d] = %v, Stencil gives %v", width, n, i, dst[i], want[i])
				}
			}
		}
	}
	dTap := [Taps]int{0, 8, 16, 24, 32, 40, 48, 56, 60}
	mustPanic(t, "overlapping rows", func() {
		StencilSum(make([]float32, 80), make([]float32, 80), 1, &dTap, &[Taps]int{}, []float32{1}, []int32{0})
	})
	dTap[8] = 64
	mustPanic(t, "src row outside", func() {
		StencilSum(make([]float32, 80), make([]float32, 80), 1, &dTap, &[Taps]int{}, []float32{1}, []int32{73})
	})
}

// TestStencilSpread: holding the shared rows in registers gives Stencil's
// bits when the dst rows are aligned to their width (so that a value sits
// in the same vector of every row holding it) and each entry's rows are
// disjoint, as in a convolution's channel-minor maps.
func TestStencilSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, width := range []int{1, 2, 5, 7} {
		for _, n := range []int{1, 9, 200} {
			rw := 8 * width
			var dTap, sTap [Taps]int
			for t := range Taps {
				dTap[t] = (2*t + rng.IntN(2)) * rw
				sTap[t] = rng.IntN(10 * rw)
			}
			dst := randDense[float32](rng, 50*rw)
			src := randDense[float32](rng, 11*rw)
			vals := randDense[float32](rng, n)
			dBase := make([]int32, n)
			for e := range dBase {
				dBase[e] = int32(rng.IntN(25) * rw) // entries' rows overlap each other
			}
			want := append([]float32(nil), dst...)
			Stencil(want, src, width, &dTap, &sTap, vals, dBase, make([]int32, n))
			StencilSpread(dst, src, width, &dTap, &sTap, vals, dBase)
			for i := range dst {
				if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
					t.Fatalf("width %d, n %d: dst[%d] = %v, Stencil gives %v", width, n, i, dst[i], want[i])
				}
			}
		}
	}
	mustPanic(t, "dst row outside", func() {
		StencilSpread(make([]float32, 80), make([]float32, 80), 1, &[Taps]int{}, &[Taps]int{}, []float32{1}, []int32{73})
	})
}

func TestStencilExact(t *testing.T) {
	// One entry, value 2, src rows of ones and twos: every tapped dst
	// row gains 2 or 4, overlapping rows twice.
	dst, src := make([]float32, 40), make([]float32, 16)
	for i := range src {
		src[i] = float32(1 + i/8)
	}
	dTap := [Taps]int{0, 0, 8, 8, 8, 16, 16, 16, 16}
	sTap := [Taps]int{0, 8, 0, 8, 0, 8, 0, 8, 0}
	Stencil(dst, src, 1, &dTap, &sTap, []float32{2}, []int32{8}, []int32{0})
	want := []float32{0, 6, 8, 12, 0}
	for r, w := range want {
		for i := range 8 {
			if got := dst[8*r+i]; got != w {
				t.Fatalf("row %d: %v, want %v", r, got, w)
			}
		}
	}
}

func TestStencilOutOfRangePanics(t *testing.T) {
	dTap, sTap := [Taps]int{}, [Taps]int{}
	dTap[8] = 9
	for _, c := range []struct {
		name         string
		dBase, sBase int32
	}{{"past the end", 8, 0}, {"before the start", -10, 0}, {"src", 0, 5}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			Stencil(make([]float32, 24), make([]float32, 8), 1, &dTap, &sTap, []float32{1}, []int32{c.dBase}, []int32{c.sBase})
		}()
	}
}

// BenchmarkStencil: 1024 entries of a C = 40 convolution (width 5).
func BenchmarkStencil(b *testing.B) {
	for _, width := range []int{2, 5} {
		rng := rand.New(rand.NewPCG(1, 2))
		dst, src, dTap, sTap, vals, dBase, sBase := stencilCase(rng, width, 1024)
		b.Run(map[int]string{2: "width2", 5: "width5"}[width], func(b *testing.B) {
			for b.Loop() {
				Stencil(dst, src, width, &dTap, &sTap, vals, dBase, sBase)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(1024*Taps*width), "ns/fma")
		})
	}
}

func gatherCase(rng *rand.Rand, width, k, n int, density float64) (dst, src, w []float32, stride int, rowOff [3]int, dBase, sBase []int32) {
	rw := 8 * width
	stride = k + rng.IntN(3)
	dst, src, w = make([]float32, 60*rw), make([]float32, 40*stride), make([]float32, Taps*k*rw)
	for i := range dst {
		dst[i] = rng.Float32()
	}
	for i := range src {
		if rng.Float64() < density {
			src[i] = rng.Float32() - 0.5
		}
	}
	for i := range w {
		w[i] = rng.Float32() - 0.5
	}
	for ky := range 3 {
		rowOff[ky] = (ky - 1) * 8 * stride
	}
	for range n {
		dBase = append(dBase, int32(rng.IntN(60)*rw))
		sBase = append(sBase, int32(8*stride+rng.IntN(20*stride)))
	}
	return
}

func TestGatherMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, width := range []int{1, 2, 3, 4, 5, 6} {
		for _, k := range []int{1, 10, 40} {
			for _, skip := range []bool{false, true} {
				dst, src, w, stride, rowOff, dBase, sBase := gatherCase(rng, width, k, 50, 0.3)
				want := append([]float32(nil), dst...)
				gatherGo(want, src, w, width, k, stride, 1, &rowOff, dBase, sBase, skip)
				Gather(dst, src, w, width, k, stride, 1, &rowOff, dBase, sBase, skip)
				for i := range dst {
					if math.Abs(float64(dst[i]-want[i])) > 1e-4 {
						t.Fatalf("width %d, k %d, skip %v: dst[%d] = %v, loop gives %v", width, k, skip, i, dst[i], want[i])
					}
				}
			}
		}
	}
}

func TestGatherExact(t *testing.T) {
	// One channel, one entry, a 3×3 image of 1…9 (stride 1, rows 3
	// apart) and weights rows all equal to their tap number t = 3ky+kx:
	// the output is Σ_t (t+1)·t = 240 in every lane.
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	w := make([]float32, Taps*8)
	for r := range Taps {
		for i := range 8 {
			w[r*8+i] = float32(r)
		}
	}
	for _, skip := range []bool{false, true} {
		dst := make([]float32, 8)
		Gather(dst, src, w, 1, 1, 1, 1, &[3]int{0, 3, 6}, []int32{0}, []int32{0}, skip)
		if dst[0] != 240 || dst[7] != 240 {
			t.Fatalf("skip %v: %v, want 240", skip, dst)
		}
	}
}

func TestGatherOutOfRangePanics(t *testing.T) {
	for _, c := range []struct {
		name         string
		dBase, sBase int32
	}{{"dst", 1, 0}, {"src past the end", 0, 1}, {"src before the start", 0, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			Gather(make([]float32, 8), make([]float32, 9), make([]float32, Taps*8), 1, 1, 1, 1, &[3]int{0, 3, 6}, []int32{c.dBase}, []int32{c.sBase}, false)
		}()
	}
}

func BenchmarkGather(b *testing.B) {
	for _, c := range []struct {
		width, k int
		density  float64
		skip     bool
	}{{2, 10, 1, false}, {5, 40, 1, false}, {2, 10, 0.1, true}, {5, 40, 0.1, true}} {
		rng := rand.New(rand.NewPCG(1, 2))
		dst, src, w, stride, rowOff, dBase, sBase := gatherCase(rng, c.width, c.k, 1024, c.density)
		b.Run(fmt.Sprintf("width%d_k%d_density%g", c.width, c.k, c.density), func(b *testing.B) {
			for b.Loop() {
				Gather(dst, src, w, c.width, c.k, stride, 1, &rowOff, dBase, sBase, c.skip)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(1024*Taps*c.k*c.width), "ns/fma")
		})
	}
}

// TestGatherChannelMajor: channel-major maps (cstride > 1) give what the
// same maps channel-minor give.
func TestGatherChannelMajor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const k, size, width = 3, 30, 2
	minor, major := make([]float32, size*k), make([]float32, size*k)
	for p := range size {
		for c := range k {
			v := rng.Float32()
			minor[p*k+c], major[c*size+p] = v, v
		}
	}
	w := make([]float32, Taps*k*8*width)
	for i := range w {
		w[i] = rng.Float32() - 0.5
	}
	dBase, pos := []int32{0, 16}, []int32{7, 12}
	a, b := make([]float32, 32), make([]float32, 32)
	Gather(a, minor, w, width, k, k, 1, &[3]int{-6 * k, -k, 4 * k}, dBase, []int32{pos[0] * k, pos[1] * k}, false)
	Gather(b, major, w, width, k, 1, size, &[3]int{-6, -1, 4}, dBase, pos, false)
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5 {
			t.Fatalf("channel-major %v, channel-minor %v", b, a)
		}
	}
}

// TestCorrelate checks the kernel against a direct sum.
func TestCorrelate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, width := range []int{1, 2, 4, 5, 6} {
		const h, w, srcRow = 5, 7, 9
		rw := 8 * width
		dyPos, dyRow := rw+8, (w+2)*(rw+8)
		src := make([]float32, (h+2)*srcRow)
		for i := range src {
			if rng.IntN(3) == 0 {
				src[i] = rng.Float32()
			}
		}
		dy := make([]float32, h*dyRow)
		for i := range dy {
			dy[i] = rng.Float32() - 0.5
		}
		dstStride := rw + 3
		dst := make([]float32, 2*dstStride+rw)
		for i := range dst {
			dst[i] = 1
		}
		Correlate(dst, dstStride, src, srcRow, dy, dyRow, dyPos, width, h, w)
		for kx := range 3 {
			for i := range rw {
				want := 1.0
				for y := range h {
					for x := range w {
						want += float64(src[y*srcRow+x+kx]) * float64(dy[y*dyRow+x*dyPos+i])
					}
				}
				if got := dst[kx*dstStride+i]; math.Abs(float64(got)-want) > 1e-4 {
					t.Fatalf("width %d: row %d lane %d = %v, want %v", width, kx, i, got, want)
				}
			}
		}
	}
}

func BenchmarkCorrelate(b *testing.B) {
	for _, width := range []int{2, 5} {
		const h, w = 18, 18
		rw := 8 * width
		src := make([]float32, 20*20)
		for i := range src {
			src[i] = 0.5
		}
		dy := make([]float32, h*w*rw)
		dst := make([]float32, 3*rw)
		b.Run(fmt.Sprintf("width%d", width), func(b *testing.B) {
			for b.Loop() {
				Correlate(dst, rw, src, 20, dy, w*rw, rw, width, h, w)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(3*h*w*width), "ns/fma")
		})
	}
}
