package tensor

import (
	"fmt"
	"math"
	"slices"

	"github.com/hhnet/hhnet/internal/kernels"
)

// Plane writes eight outputs of a 3×3 convolution of one input channel at
// a time, for every output channel co < len(bias) and entry e:
//
//	dst[co·cstride + dBase[e] + i] = bias[co] + Σ_ky Σ_kx w[co·9 + 3ky + kx] · src[sBase[e] + ky·srcRow + kx + i],  i < 8,
//
// the taps summed in two chains (ky·3+kx < 5 onto the bias, the rest from
// zero) added at the end. src is a zero-padded map with rows of srcRow
// values, so that the eight outputs of a map row need no bounds of their
// own. It panics if a row would fall outside its slice.
func Plane(dst []float32, cstride int, src []float32, srcRow int, w, bias []float32, dBase, sBase []int32) {
	n, cout := len(dBase), len(bias)
	if n == 0 || cout == 0 {
		return
	}
	checkPlane(len(dst), cstride, cout, len(src), srcRow, len(w), dBase, sBase)
	if kernels.Has() {
		kernels.PlaneAVX2(&dst[0], cstride, &src[0], srcRow, &w[0], &bias[0], cout, &dBase[0], &sBase[0], n)
		return
	}
	for co := range cout {
		k := w[co*Taps:][:Taps]
		for e, db := range dBase {
			d := dst[co*cstride+int(db):][:8]
			s := src[sBase[e]:]
			for i := range d {
				a := bias[co]
				var b float32
				for t := range Taps {
					u := k[t] * s[t/3*srcRow+t%3+i]
					if t < 5 {
						a += u
					} else {
						b += u
					}
				}
				d[i] = a + b
			}
		}
	}
}

// PlaneGrad adds the weight and bias gradients of Plane over its entries:
// with g the eight values of dy at co·cstride + dBase[e], each ANDed with
// its lane of the entry's mask (8 lanes per entry: all ones keeps a value,
// zero drops it, as for the lanes a row's last, overlapping vector
// repeats; see PlaneMasks),
//
//	acc[(co·10 + t)·8 + i] += g[i] · src[sBase[e] + ky·srcRow + kx + i]   (tap t = 3ky + kx < 9)
//	acc[(co·10 + 9)·8 + i] += g[i]
//
// for co < cout: eight partial sums per weight and per bias, which the
// caller adds up. It panics if a row would fall outside its slice.
func PlaneGrad(acc, dy []float32, cstride int, src []float32, srcRow, cout int, dBase, sBase []int32, mask []uint32) {
	n := len(dBase)
	if n == 0 || cout == 0 {
		return
	}
	if len(mask) < 8*n || len(acc) < cout*80 {
		panic(fmt.Sprintf("tensor: PlaneGrad of %d entries and %d channels with %d mask lanes and %d sums", n, cout, len(mask), len(acc)))
	}
	checkPlane(len(dy), cstride, cout, len(src), srcRow, cout*Taps, dBase, sBase)
	if kernels.Has() {
		kernels.PlaneGradAVX2(&acc[0], &dy[0], cstride, &src[0], srcRow, cout, &dBase[0], &sBase[0], &mask[0], n)
		return
	}
	for co := range cout {
		a := acc[co*80:][:80]
		for e, db := range dBase {
			g := dy[co*cstride+int(db):][:8]
			s := src[sBase[e]:]
			for i, m := range mask[8*e:][:8] {
				v := math.Float32frombits(math.Float32bits(g[i]) & m)
				for t := range Taps {
					a[t*8+i] += v * s[t/3*srcRow+t%3+i]
				}
				a[72+i] += v
			}
		}
	}
}

// PlaneMasks returns PlaneGrad's mask lanes for entries whose first
// skip[e] lanes repeat outputs of the vector before them.
func PlaneMasks(skip []int32) []uint32 {
	m := make([]uint32, 8*len(skip))
	for e, k := range skip {
		for i := range 8 {
			if i >= int(k) {
				m[8*e+i] = ^uint32(0)
			}
		}
	}
	return m
}

// checkPlane panics unless every row of Plane and PlaneGrad lies inside
// its slice: the assembly kernels index without bounds checks.
func checkPlane(dstLen, cstride, cout, srcLen, srcRow, wLen int, dBase, sBase []int32) {
	n := len(dBase)
	if len(sBase) < n || cstride < 0 || srcRow < 3 || wLen < cout*Taps {
		panic(fmt.Sprintf("tensor: Plane of %d entries, %d channels, strides %d and %d, %d weights", n, cout, cstride, srcRow, wLen))
	}
	if lo, hi := int(slices.Min(dBase)), int(slices.Max(dBase))+(cout-1)*cstride+8; lo < 0 || hi > dstLen {
		panic(fmt.Sprintf("tensor: Plane dst rows [%d, %d) outside its %d values", lo, hi, dstLen))
	}
	if lo, hi := int(slices.Min(sBase[:n])), int(slices.Max(sBase[:n]))+2*srcRow+2+8; lo < 0 || hi > srcLen {
		panic(fmt.Sprintf("tensor: Plane src rows [%d, %d) outside its %d values", lo, hi, srcLen))
	}
}

// PlaneSumMax is the most output planes one PlaneSum call computes (its
// sums stay in registers).
const PlaneSumMax = 6

// PlaneSum writes eight outputs of a 3×3 convolution of kin input planes
// at a time, for every output plane j < kout ≤ PlaneSumMax and entry e:
//
//	dst[j·cstride + dBase[e] + i] = bias[j] + Σ_c Σ_ky Σ_kx w[(c·9 + 3ky + kx)·kout + j] · src[c·sstride + sBase[e] + ky·srcRow + kx + i],  i < 8,
//
// summed onto the bias in (c, ky, kx) order. src holds zero-padded planes with rows of
// srcRow values, sstride apart. It panics if a row would fall outside its
// slice.
func PlaneSum(dst []float32, cstride int, src []float32, sstride, srcRow, kin, kout int, w, bias []float32, dBase, sBase []int32) {
	n := len(dBase)
	if n == 0 || kout == 0 || kin == 0 {
		return
	}
	if kout < 0 || kout > PlaneSumMax || kin < 0 || sstride < 0 || len(w) < kin*Taps*kout || len(bias) < kout {
		panic(fmt.Sprintf("tensor: PlaneSum of %d to %d planes (stride %d) with %d weights and %d biases", kin, kout, sstride, len(w), len(bias)))
	}
	checkPlane(len(dst), cstride, kout, len(src)-(kin-1)*sstride, srcRow, kout*Taps, dBase, sBase)
	if kernels.Has() {
		kernels.PlaneSumAVX2(&dst[0], cstride, &src[0], sstride, srcRow, kin, kout, &w[0], &bias[0], &dBase[0], &sBase[0], n)
		return
	}
	var acc [PlaneSumMax][8]float32
	for e, db := range dBase {
		for j := range kout {
			for i := range acc[j] {
				acc[j][i] = bias[j]
			}
		}
		for c := range kin {
			s := src[c*sstride+int(sBase[e]):]
			for t := range Taps {
				v := s[t/3*srcRow+t%3:][:8]
				for j := range kout {
					wt := w[(c*Taps+t)*kout+j]
					for i, x := range v {
						acc[j][i] += wt * x
					}
				}
			}
		}
		for j := range kout {
			copy(dst[j*cstride+int(db):][:8], acc[j][:])
		}
	}
}
