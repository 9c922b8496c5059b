// Package imagelike makes batches shaped like Multi-(Fashion+MNIST)
// images for the benchmarks, which cannot rely on the real data being
// installed.
package imagelike

import (
	"math"
	"math/rand/v2"

	"github.com/hhnet/hhnet/dataset"
)

// Batch returns n images [n, 1296] in [0, 1] and their 2n labels: each a
// stroke-drawn "digit" and a filled "garment" composed by the dataset's
// own recipe, so that like real images they are about a third lit, in the
// middle of the frame, which pairs of images and neighbouring pixels
// share — what the sparse products' lists depend on. (Measured on 128 of
// each: a third lit, pairs of images 23 % more positions lit in either
// than in one, pairs of neighbouring pixels in an image 53 % of a pixel's;
// real ones 33–34 %, 30 %, 55 %.)
func Batch(n int) ([]float32, []int32) {
	rng := rand.New(rand.NewPCG(1, 2))
	digits := glyphs(rng, n, true)
	garments := glyphs(rng, n, false)
	v, err := dataset.ParseVariant("multi-fashion-mnist")
	if err != nil {
		panic(err)
	}
	m, err := dataset.Generate(v, dataset.Train, 1, digits, garments, 1)
	if err != nil {
		panic(err)
	}
	x := make([]float32, n*dataset.Pixels)
	for i, p := range m.Images[:len(x)] {
		x[i] = float32(p) / 255
	}
	labels := make([]int32, 2*n)
	for i := range labels {
		labels[i] = int32(m.Labels[i])
	}
	return x, labels
}

// glyphs draws n 28×28 images: strokes (an elliptic ring with a bar, about
// a fifth of the pixels, like MNIST's digits) or filled shapes (an ellipse
// over a rectangle, about half, like Fashion-MNIST's items).
func glyphs(rng *rand.Rand, n int, strokes bool) *dataset.Images {
	s := &dataset.Images{N: n, Rows: 28, Cols: 28, Pixels: make([]byte, n*784), Labels: make([]byte, n)}
	for i := range n {
		s.Labels[i] = byte(rng.IntN(10))
		img := s.Pixels[i*784 : (i+1)*784]
		cx, cy := 13.5+rng.Float64()*4-2, 13.5+rng.Float64()*4-2
		rx, ry := 2+rng.Float64()*6, 5+rng.Float64()*5
		if !strokes {
			rx, ry = 5+rng.Float64()*9, 8+rng.Float64()*5
		}
		width := 1.3 + rng.Float64()*1.7
		bar := rng.Float64()*2 - 1
		sin, cos := math.Sincos(rng.Float64()*1.2 - 0.6)
		for y := range 28 {
			for x := range 28 {
				u, w := float64(x)-cx, float64(y)-cy
				dx, dy := (cos*u+sin*w)/rx, (cos*w-sin*u)/ry
				r := math.Hypot(dx, dy)
				var lit bool
				if strokes {
					ring := math.Abs(r-1) * math.Min(rx, ry) // distance to the ring, roughly in pixels
					barDist := math.Abs(float64(x) - cx - bar*(float64(y)-cy))
					lit = ring < width || (barDist < width && math.Abs(dy) < 1)
				} else {
					lit = r < 1 || (math.Abs(dx) < 0.8 && dy > 0 && dy < 1)
				}
				if lit {
					img[y*28+x] = byte(80 + rng.IntN(176))
				}
			}
		}
	}
	return s
}
