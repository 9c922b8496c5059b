package tensor

import (
	"fmt"
	"slices"

	"github.com/hhnet/hhnet/tensor/internal/kernels"
)

// Gather adds to each row of 8·width values of dst at dBase[e] one output
// position of a 3×3 convolution over channel-minor maps:
//
//	dst[dBase[e]:][:8·width] += Σ_ky Σ_c Σ_kx src[sBase[e] + rowOff[ky] + c + kx·stride] · w[((ky·k + c)·3 + kx)·8·width:][:8·width]
//
// where k is the number of input channels, stride the distance between
// neighbouring positions of a map row (k or more) and rowOff[ky] the offset
// of kernel row ky; w holds Taps·k rows of 8·width values in (ky, c, kx)
// order. Sums are kept in registers, one partial sum per kernel column,
// added at the end (see Stencil for the scatter form). With skipZeros, zero
// inputs are passed over, which pays on spike maps. Every row sums in the
// same order on every machine with the same back end. It panics if a row
// would fall outside its slice.
func Gather(dst, src, w []float32, width, k, stride int, rowOff *[3]int, dBase, sBase []int32, skipZeros bool) {
	n := len(dBase)
	if n == 0 {
		return
	}
	if len(sBase) < n {
		panic("tensor: Gather offset lists of different lengths")
	}
	if width <= 0 || k <= 0 || stride < k || len(w) < Taps*k*8*width {
		panic(fmt.Sprintf("tensor: Gather of width %d, %d channels, stride %d with %d weights", width, k, stride, len(w)))
	}
	checkStencil("dst", len(dst), width, &[Taps]int{}, dBase)
	lo := int(slices.Min(sBase[:n])) + slices.Min(rowOff[:])
	hi := int(slices.Max(sBase[:n])) + slices.Max(rowOff[:]) + 2*stride + k
	if lo < 0 || hi > len(src) {
		panic(fmt.Sprintf("tensor: Gather src rows [%d, %d) outside its %d values", lo, hi, len(src)))
	}
	if kernels.Has() && width <= 5 {
		if skipZeros {
			kernels.GatherSkipAVX2(&dst[0], &src[0], &w[0], width, k, stride, rowOff, &dBase[0], &sBase[0], n)
		} else {
			kernels.GatherAVX2(&dst[0], &src[0], &w[0], width, k, stride, rowOff, &dBase[0], &sBase[0], n)
		}
		return
	}
	gatherGo(dst, src, w, width, k, stride, rowOff, dBase, sBase, skipZeros)
}

// gatherGo is Gather's portable loop (its sums run in (ky, c, kx) order).
func gatherGo(dst, src, w []float32, width, k, stride int, rowOff *[3]int, dBase, sBase []int32, skipZeros bool) {
	rw := 8 * width
	for e, db := range dBase {
		d := dst[db:][:rw]
		for ky := range 3 {
			at := int(sBase[e]) + rowOff[ky]
			for c := range k {
				for kx := range 3 {
					u := src[at+c+kx*stride]
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
