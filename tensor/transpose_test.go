package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct{ rows, cols, lds, ldd int }{
		{1, 1, 1, 1}, {8, 8, 8, 8}, {3, 5, 6, 4}, {16, 24, 30, 17}, {18, 40, 40, 2000},
		{40, 18, 2000, 41}, {9, 17, 17, 9}, {0, 4, 4, 1}, {5, 0, 1, 5},
	} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			src := randDense[float32](rng, max((tc.rows-1)*tc.lds+tc.cols, 0))
			dst := make([]float32, max((tc.cols-1)*tc.ldd+tc.rows, 0))
			for i := range dst {
				dst[i] = -7 // the gaps between dst's rows stay as they are
			}
			Transpose(dst, tc.ldd, src, tc.lds, tc.rows, tc.cols)
			d64 := make([]float64, len(dst))
			for i := range d64 {
				d64[i] = -7
			}
			s64 := make([]float64, len(src))
			for i, v := range src {
				s64[i] = float64(v)
			}
			Transpose(d64, tc.ldd, s64, tc.lds, tc.rows, tc.cols) // the generic loop
			for i := range dst {
				want := float32(-7)
				if j, r := i/max(tc.ldd, 1), i%max(tc.ldd, 1); r < tc.rows && j < tc.cols {
					want = src[r*tc.lds+j]
				}
				if dst[i] != want || float32(d64[i]) != want {
					t.Fatalf("dst[%d] = %v (float64 %v), want %v", i, dst[i], d64[i], want)
				}
			}
		})
	}
	mustPanic(t, "short dst", func() { Transpose(make([]float32, 5), 2, make([]float32, 6), 3, 2, 3) })
	mustPanic(t, "short src", func() { Transpose(make([]float32, 6), 2, make([]float32, 5), 3, 2, 3) })
	mustPanic(t, "stride", func() { Transpose(make([]float32, 9), 1, make([]float32, 9), 3, 2, 3) })
}

// BenchmarkTranspose: one image's 40 channels of 18 × 18 maps between
// the channel-minor and the map layouts, row by row, as the convolution
// does.
func BenchmarkTranspose(b *testing.B) {
	const ch, side, batch = 40, 18, 128
	src := make([]float32, side*side*ch)
	dst := make([]float32, ch*batch*side*side)
	for b.Loop() {
		for y := range side {
			Transpose(dst[y*side:], batch*side*side, src[y*side*ch:], ch, side, ch)
		}
	}
}
