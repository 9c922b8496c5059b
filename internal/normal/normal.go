// Package normal draws standard normal deviates in float32 by the
// ziggurat method of Marsaglia and Tsang (2000), two from each 64-bit
// output of a PCG generator: each half gives 7 bits for the layer and a
// signed 25-bit integer for the position in it, as many bits as a float32
// holds. math/rand/v2's NormFloat64 spends a whole output, and a call
// through the Source interface, on each deviate; this is ≈ 3× faster, which
// matters where tens of millions are drawn per epoch (package vib).
package normal

import (
	"math"
	"math/rand/v2"
)

// layers is the number of the ziggurat's layers (7 bits); scale is the
// range of the position integer, |j| < 2²⁴.
const (
	layers = 128
	scale  = 1 << 24
)

// tailStart is where the ziggurat's base layer ends and the tail begins,
// and layerArea the area of each of its layers (Marsaglia and Tsang's
// constants for 128 layers).
const (
	tailStart = 3.442619855899
	layerArea = 9.91256303526217e-3
)

// ziggurat holds, for each layer i: k[i], the bound on |j| below which
// the point lies inside the layer's rectangle under the curve below it
// (so x = j·w[i] needs no further test); w[i], the width of one step of
// j; f[i], the density e^(−x²/2) at the layer's right edge.
type ziggurat struct {
	k [layers]int32
	w [layers]float32
	f [layers]float64
}

// zig is the one table, computed once and only read.
var zig = newZiggurat()

// newZiggurat builds the table as Marsaglia and Tsang's rnor does, with
// the position integers' range 2²⁴.
func newZiggurat() *ziggurat {
	z := new(ziggurat)
	d := float64(tailStart)
	t := d
	q := layerArea / math.Exp(-0.5*d*d)
	z.k[0] = int32(d / q * scale)
	z.k[1] = 0
	z.w[0] = float32(q / scale)
	z.w[layers-1] = float32(d / scale)
	z.f[0] = 1
	z.f[layers-1] = math.Exp(-0.5 * d * d)
	for i := layers - 2; i >= 1; i-- {
		d = math.Sqrt(-2 * math.Log(layerArea/d+math.Exp(-0.5*d*d)))
		z.k[i+1] = int32(d / t * scale)
		t = d
		z.f[i] = math.Exp(-0.5 * d * d)
		z.w[i] = float32(d / scale)
	}
	return z
}

// Fill sets every element of dst to a standard normal deviate drawn from
// src. The same generator state gives the same values on every machine.
func Fill(dst []float32, src *rand.PCG) {
	z := zig
	for i := 0; i < len(dst); {
		u := src.Uint64()
		// The low half, then the high half if there is room for it.
		j, l := int32(uint32(u))>>7, u&(layers-1)
		if j < z.k[l] && j > -z.k[l] {
			dst[i] = float32(j) * z.w[l]
			i++
		} else if x, ok := z.edge(j, int(l), src); ok {
			dst[i] = x
			i++
		}
		if i == len(dst) {
			return
		}
		j, l = int32(u>>32)>>7, (u>>32)&(layers-1)
		if j < z.k[l] && j > -z.k[l] {
			dst[i] = float32(j) * z.w[l]
			i++
		} else if x, ok := z.edge(j, int(l), src); ok {
			dst[i] = x
			i++
		}
	}
}

// edge handles the ≈ 1.2 % of draws outside their layer's rectangle: in
// the base layer a deviate from the tail beyond tailStart (Marsaglia's
// method), in the others the point is kept if it lies under the density.
// It reports false for a rejected point; the caller draws again.
func (z *ziggurat) edge(j int32, l int, src *rand.PCG) (float32, bool) {
	if l == 0 {
		for {
			x := -math.Log(uniform(src)) / tailStart
			y := -math.Log(uniform(src))
			if y+y >= x*x {
				if j < 0 {
					return float32(-tailStart - x), true
				}
				return float32(tailStart + x), true
			}
		}
	}
	x := float64(float32(j) * z.w[l])
	if z.f[l]+uniform(src)*(z.f[l-1]-z.f[l]) < math.Exp(-0.5*x*x) {
		return float32(x), true
	}
	return 0, false
}

// uniform returns a uniform deviate in (0, 1].
func uniform(src *rand.PCG) float64 {
	return float64(src.Uint64()>>11+1) / (1 << 53)
}
