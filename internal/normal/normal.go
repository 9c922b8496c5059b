// Package normal draws standard normal deviates in float32 by the
// ziggurat method of Marsaglia and Tsang (2000) with 256 layers, two from
// each 64-bit output of a SplitMix64 generator (Steele, Lea and Flood
// 2014): each half gives 8 bits for the layer and a signed 24-bit integer
// for the position in it, about as many bits as a float32 holds. 98.5 % of
// deviates take one table look-up and one product. math/rand/v2's
// NormFloat64 spends a whole PCG output, and a call through the Source
// interface, on each deviate, and its 128 layers send 2.8 % to the slow
// path; this is several times faster, which matters where tens of millions
// are drawn per epoch (package vib).
package normal

import "math"

// layers is the number of the ziggurat's layers (8 bits); scale is the
// range of the position integer, |j| < 2²³.
const (
	layers = 256
	scale  = 1 << 23
)

// tailStart is where the ziggurat's base layer ends and the tail begins,
// and layerArea the area of each of its layers (Marsaglia and Tsang's
// constants for 256 layers). The layers' widths are rounded to float32,
// which moves their areas by up to 2e-5 of themselves.
const (
	tailStart = 3.6541528853610088
	layerArea = 0.00492867323399
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

// Stream is a SplitMix64 generator: a 64-bit state advanced by a fixed odd
// constant and mixed into each output. It passes BigCrush, and its
// outputs cost two multiplications.
type Stream struct{ state uint64 }

// golden is SplitMix64's increment, 2⁶⁴ divided by the golden ratio.
const golden = 0x9e3779b97f4a7c15

// mix is SplitMix64's output function, a bijection of 64-bit words.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// NewStream returns the stream for the pair (a, b): every pair starts at
// its own, unrelated point of the generator's cycle of 2⁶⁴.
func NewStream(a, b uint64) Stream { return Stream{mix(a ^ mix(b+golden))} }

// Uint64 returns the next output.
func (s *Stream) Uint64() uint64 {
	s.state += golden
	return mix(s.state)
}

// Fill sets every element of dst to a standard normal deviate. The same
// stream gives the same values on every machine.
func (s *Stream) Fill(dst []float32) {
	z := zig
	for i := 0; i < len(dst); {
		u := s.Uint64()
		// The low half, then the high half if there is room for it: written
		// out twice, as a loop over the halves was slower.
		j, l := int32(uint32(u))>>8, uint8(u)
		if j < z.k[l] && j > -z.k[l] {
			dst[i] = float32(j) * z.w[l]
			i++
		} else if x, ok := z.edge(j, int(l), s); ok {
			dst[i] = x
			i++
		}
		if i == len(dst) {
			return
		}
		j, l = int32(u>>32)>>8, uint8(u>>32)
		if j < z.k[l] && j > -z.k[l] {
			dst[i] = float32(j) * z.w[l]
			i++
		} else if x, ok := z.edge(j, int(l), s); ok {
			dst[i] = x
			i++
		}
	}
}

// edge handles the ≈ 1.5 % of draws outside their layer's rectangle: in
// the base layer a deviate from the tail beyond tailStart (Marsaglia's
// method), in the others the point is kept if it lies under the density.
// It reports false for a rejected point; the caller draws again.
func (z *ziggurat) edge(j int32, l int, s *Stream) (float32, bool) {
	if l == 0 {
		for {
			x := -math.Log(s.uniform()) / tailStart
			y := -math.Log(s.uniform())
			if y+y >= x*x {
				if j < 0 {
					return float32(-tailStart - x), true
				}
				return float32(tailStart + x), true
			}
		}
	}
	x := float64(float32(j) * z.w[l])
	if z.f[l]+s.uniform()*(z.f[l-1]-z.f[l]) < math.Exp(-0.5*x*x) {
		return float32(x), true
	}
	return 0, false
}

// uniform returns a uniform deviate in (0, 1].
func (s *Stream) uniform() float64 {
	return float64(s.Uint64()>>11+1) / (1 << 53)
}
