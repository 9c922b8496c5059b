package tensor

import (
	"fmt"

	"github.com/hhnet/hhnet/internal/kernels"
)

// PlaneRows lists the vectors of eight outputs that cover an h×w map
// (w ≥ 8) for the plane kernels (Plane, PlaneGrad, PlaneSum): entry e
// writes outputs DBase[e] … +8 of the map (rows of w values) from the
// zero-bordered source at SBase[e] (rows of SrcRow = w + 2 values, the
// output's top-left tap). A row takes vectors at columns 0, 8, … and, if
// w is not a multiple of 8, a last one ending at the row's end whose
// first lanes repeat outputs of the one before; Mask holds eight lanes per
// entry, all ones for a lane of its own and zero for a repeated one
// (PlaneGrad must count each output once). The bounds are computed once,
// so the kernels check a call in constant time.
type PlaneRows struct {
	H, W, SrcRow int
	DBase, SBase []int32
	Mask         []uint32
	dHi, sHi     int // one past the last value an entry reads or writes
}

// NewPlaneRows returns the entries of an h×w map; it panics if w < 8 or
// h < 1.
func NewPlaneRows(h, w int) *PlaneRows {
	if h < 1 || w < 8 {
		panic(fmt.Sprintf("tensor: plane rows of a %d×%d map (need w ≥ 8)", h, w))
	}
	r := &PlaneRows{H: h, W: w, SrcRow: w + 2}
	for y := range h {
		for x := 0; x < w; x += 8 {
			at := min(x, w-8)
			r.DBase = append(r.DBase, int32(y*w+at))
			r.SBase = append(r.SBase, int32(y*r.SrcRow+at))
			for i := range 8 {
				var m uint32
				if at+i >= x {
					m = ^uint32(0)
				}
				r.Mask = append(r.Mask, m)
			}
		}
	}
	r.dHi, r.sHi = h*w, (h+2)*r.SrcRow
	return r
}

// check panics unless cout output planes cstride apart fit in dst values
// and kin source planes sstride apart in src values.
func (r *PlaneRows) check(dst, cstride, cout, src, sstride, kin int) {
	if cstride < 0 || sstride < 0 || (cout-1)*cstride+r.dHi > dst || (kin-1)*sstride+r.sHi > src {
		panic(fmt.Sprintf("tensor: plane kernel of %d×%d maps, %d planes (stride %d, %d values) from %d (stride %d, %d values)",
			r.H, r.W, cout, cstride, dst, kin, sstride, src))
	}
}

// Plane writes eight outputs of a 3×3 convolution of one input channel at
// a time, for every output channel co < len(bias) and entry e of rows:
//
//	dst[co·cstride + DBase[e] + i] = bias[co] + Σ_ky Σ_kx w[co·9 + 3ky + kx] · src[SBase[e] + ky·SrcRow + kx + i],  i < 8,
//
// the taps summed in two chains (ky·3+kx < 5 onto the bias, the rest from
// zero) added at the end. src is the zero-bordered map. It panics if a
// row would fall outside its slice.
func Plane(dst []float32, cstride int, src []float32, rows *PlaneRows, w, bias []float32) {
	cout := len(bias)
	if cout == 0 {
		return
	}
	if len(w) < cout*Taps {
		panic(fmt.Sprintf("tensor: Plane of %d channels with %d weights", cout, len(w)))
	}
	rows.check(len(dst), cstride, cout, len(src), 0, 1)
	dBase, sBase, srcRow, n := rows.DBase, rows.SBase, rows.SrcRow, len(rows.DBase)
	kernels.Plane(&dst[0], cstride, &src[0], srcRow, &w[0], &bias[0], cout, &dBase[0], &sBase[0], n)

}

// PlaneGrad adds the weight and bias gradients of Plane over the entries
// of rows: with g the eight values of dy at co·cstride + DBase[e], each
// ANDed with its lane of the entry's mask,
//
//	acc[(co·10 + t)·8 + i] += g[i] · src[SBase[e] + ky·SrcRow + kx + i]   (tap t = 3ky + kx < 9)
//	acc[(co·10 + 9)·8 + i] += g[i]
//
// for co < cout: eight partial sums per weight and per bias, which the
// caller adds up. It panics if a row would fall outside its slice.
func PlaneGrad(acc, dy []float32, cstride int, src []float32, rows *PlaneRows, cout int) {
	if cout <= 0 {
		return
	}
	if len(acc) < cout*80 {
		panic(fmt.Sprintf("tensor: PlaneGrad of %d channels with %d sums", cout, len(acc)))
	}
	rows.check(len(dy), cstride, cout, len(src), 0, 1)
	dBase, sBase, srcRow, mask, n := rows.DBase, rows.SBase, rows.SrcRow, rows.Mask, len(rows.DBase)
	kernels.PlaneGrad(&acc[0], &dy[0], cstride, &src[0], srcRow, cout, &dBase[0], &sBase[0], &mask[0], n)

}

// PlaneSumMax is the most output planes one PlaneSum call computes (its
// sums stay in registers).
const PlaneSumMax = 6

// PlaneSum writes eight outputs of a 3×3 convolution of kin input planes
// at a time, for every output plane j < kout ≤ PlaneSumMax and entry e of
// rows:
//
//	dst[j·cstride + DBase[e] + i] = bias[j] + Σ_c Σ_ky Σ_kx w[(c·9 + 3ky + kx)·kout + j] · src[c·sstride + SBase[e] + ky·SrcRow + kx + i],  i < 8,
//
// summed onto the bias in (c, ky, kx) order. src holds zero-bordered
// planes, sstride apart. It panics if a row would fall outside its slice.
func PlaneSum(dst []float32, cstride int, src []float32, sstride, kin, kout int, w, bias []float32, rows *PlaneRows) {
	if kout == 0 || kin == 0 {
		return
	}
	if kout < 0 || kout > PlaneSumMax || kin < 0 || len(w) < kin*Taps*kout || len(bias) < kout {
		panic(fmt.Sprintf("tensor: PlaneSum of %d to %d planes with %d weights and %d biases", kin, kout, len(w), len(bias)))
	}
	rows.check(len(dst), cstride, kout, len(src), sstride, kin)
	dBase, sBase, srcRow, n := rows.DBase, rows.SBase, rows.SrcRow, len(rows.DBase)
	kernels.PlaneSum(&dst[0], cstride, &src[0], sstride, srcRow, kin, kout, &w[0], &bias[0], &dBase[0], &sBase[0], n)

}

// PadPlanes copies planes maps of h×w values (src, planes srcPlane apart)
// into the interiors of zero-bordered planes (dst, planes dstPlane apart,
// rows of dstRow values): row y of map p goes to dst[p·dstPlane +
// (y+1)·dstRow + 1:][:w]. The borders are left as they are. It panics if
// a row would fall outside its slice.
func PadPlanes(dst []float32, dstPlane, dstRow int, src []float32, srcPlane, planes, h, w int) {
	if planes <= 0 || h <= 0 || w <= 0 {
		return
	}
	if dstRow < w+2 || dstPlane < 0 || srcPlane < 0 ||
		(planes-1)*dstPlane+h*dstRow+1+w > len(dst) || (planes-1)*srcPlane+h*w > len(src) {
		panic(fmt.Sprintf("tensor: PadPlanes of %d %d×%d maps (strides %d, %d, %d) outside its slices (%d, %d values)",
			planes, h, w, dstPlane, dstRow, srcPlane, len(dst), len(src)))
	}
	if w >= 8 {
		kernels.PadPlanes(&dst[0], dstPlane, dstRow, &src[0], srcPlane, planes, h, w)
		return
	}
	for p := range planes {
		for y := range h {
			copy(dst[p*dstPlane+(y+1)*dstRow+1:][:w], src[p*srcPlane+y*w:][:w])
		}
	}
}
