package tensor

import (
	"fmt"
	"slices"

	"github.com/hhnet/hhnet/internal/kernels"
)

// Gather adds to each row of 8·width values of dst at dBase[e] one output
// position of a 3×3 convolution over channel-minor maps:
//
//	dst[dBase[e]:][:8·width] += Σ_ky Σ_c Σ_kx src[sBase[e] + rowOff[ky] + c·cstride + kx·stride] · w[((ky·k + c)·3 + kx)·8·width:][:8·width]
//
// where k is the number of input channels, cstride the distance between
// channels (1 for channel-minor maps, the padded map size for
// channel-major ones), stride the distance between neighbouring positions
// of a map row and rowOff[ky] the offset of kernel row ky; w holds Taps·k rows of 8·width values in (ky, c, kx)
// order. Sums are kept in registers, one partial sum per kernel column,
// added at the end (see Stencil for the scatter form). With skipZeros, zero
// inputs are passed over, which pays on spike maps. Every row sums in the
// same order on every machine with the same back end. It panics if a row
// would fall outside its slice.
func Gather(dst, src, w []float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase []int32, skipZeros bool) {
	n := len(dBase)
	if n == 0 {
		return
	}
	if len(sBase) < n {
		panic("tensor: Gather offset lists of different lengths")
	}
	if width <= 0 || k <= 0 || stride <= 0 || cstride <= 0 || len(w) < Taps*k*8*width {
		panic(fmt.Sprintf("tensor: Gather of width %d, %d channels, strides %d and %d with %d weights", width, k, stride, cstride, len(w)))
	}
	checkStencil("dst", len(dst), width, &[Taps]int{}, dBase)
	lo := int(slices.Min(sBase[:n])) + slices.Min(rowOff[:])
	hi := int(slices.Max(sBase[:n])) + slices.Max(rowOff[:]) + 2*stride + (k-1)*cstride + 1
	if lo < 0 || hi > len(src) {
		panic(fmt.Sprintf("tensor: Gather src rows [%d, %d) outside its %d values", lo, hi, len(src)))
	}
	if width <= 5 {
		if skipZeros {
			kernels.GatherSkip(&dst[0], &src[0], &w[0], width, k, stride, 4*cstride, rowOff, &dBase[0], &sBase[0], n)
		} else {
			kernels.Gather(&dst[0], &src[0], &w[0], width, k, stride, 4*cstride, rowOff, &dBase[0], &sBase[0], n)
		}
		return
	}
	gatherGo(dst, src, w, width, k, stride, cstride, rowOff, dBase, sBase, skipZeros)
}

// gatherGo is Gather's portable loop (its sums run in (ky, c, kx) order).
func gatherGo(dst, src, w []float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase []int32, skipZeros bool) {
	rw := 8 * width
	for e, db := range dBase {
		d := dst[db:][:rw]
		for ky := range 3 {
			at := int(sBase[e]) + rowOff[ky]
			for c := range k {
				for kx := range 3 {
					u := src[at+c*cstride+kx*stride]
					if skipZeros && u == 0 {
						continue
					}
					for i, x := range w[((ky*k+c)*3+kx)*rw:][:rw] {
						d[i] += u * x
					}
				}
			}
		}
	}
}

// Correlate adds to the three rows of 8·width values of dst at 0, dstStride
// and 2·dstStride (kernel columns kx = 0, 1, 2) the sums over h rows y and
// w positions x of
//
//	src[y·srcRow + x + kx] · dy[y·dyRow + x·dyPos:][:8·width],
//
// the weight gradient of one input channel and kernel row of a 3×3
// convolution: src is a zero-padded channel-major input map, dy the
// channel-minor output gradient. The sums are kept in registers and added
// to dst at the end; positions whose three inputs are all zero are passed
// over. It panics if a row would fall outside its slice.
func Correlate(dst []float32, dstStride int, src []float32, srcRow int, dy []float32, dyRow, dyPos, width, h, w int) {
	if h <= 0 || w <= 0 {
		return
	}
	rw := 8 * width
	if width <= 0 || dstStride < 0 || 2*dstStride+rw > len(dst) ||
		srcRow < 0 || (h-1)*srcRow+w+2 > len(src) ||
		dyRow < 0 || dyPos < 0 || (h-1)*dyRow+(w-1)*dyPos+rw > len(dy) {
		panic(fmt.Sprintf("tensor: Correlate of %d×%d positions, width %d, outside its slices (%d, %d, %d values)", h, w, width, len(dst), len(src), len(dy)))
	}
	if width <= 5 {
		kernels.Correlate(&dst[0], dstStride, &src[0], srcRow, &dy[0], dyRow, dyPos, width, h, w)
		return
	}
	for kx := range 3 {
		d := dst[kx*dstStride:][:rw]
		for y := range h {
			for x, u := range src[y*srcRow+kx:][:w] {
				if u == 0 {
					continue
				}
				for i, g := range dy[y*dyRow+x*dyPos:][:rw] {
					d[i] += u * g
				}
			}
		}
	}
}
