package tensor

import (
	"fmt"

	"github.com/hhnet/hhnet/internal/kernels"
)

// Taps is the number of offsets of a Stencil: the nine taps of a 3×3 kernel.
const Taps = 9

// Stencil adds, for every entry e and tap t, vals[e] times the row of
// width·8 values of src at sBase[e]+sTap[t] to the row of dst at
// dBase[e]+dTap[t] (all offsets in elements):
//
//	dst[dBase[e]+dTap[t] : …+8·width] += vals[e] · src[sBase[e]+sTap[t] : …+8·width]
//
// Entries are applied in order, so the sums are the same on every machine
// with the same back end. A 3×3 convolution over channel-minor feature
// maps is this operation over the input's nonzeros (forward, with the
// kernel's rows as src, and the weight gradient, with the output gradient
// as src) or over the output gradient's (the input gradient): spike maps
// are mostly zeros, so the work follows the spikes. On amd64 it runs an
// assembly kernel (a fused multiply-add per element); elsewhere a Go loop. It panics if a row would fall outside dst or src.
func Stencil(dst, src []float32, width int, dTap, sTap *[Taps]int, vals []float32, dBase, sBase []int32) {
	n := len(vals)
	if n == 0 {
		return
	}
	if len(dBase) < n || len(sBase) < n {
		panic("tensor: Stencil offset lists shorter than the values")
	}
	checkStencil("dst", len(dst), width, dTap, dBase[:n])
	checkStencil("src", len(src), width, sTap, sBase[:n])
	db, sb := byteOffsets(dTap, sTap)
	kernels.Stencil(&dst[0], &src[0], width, &db, &sb, &vals[0], &dBase[0], &sBase[0], n)
}

// byteOffsets are the taps in bytes, as the kernels take them.
func byteOffsets(dTap, sTap *[Taps]int) (db, sb [Taps]int) {
	for t := range Taps {
		db[t], sb[t] = 4*dTap[t], 4*sTap[t]
	}
	return db, sb
}

// checkStencil panics unless every row base[e]+tap[t] … +8·width lies in
// [0, size): the assembly kernel indexes without bounds checks.
func checkStencil(name string, size, width int, tap *[Taps]int, base []int32) {
	lo, hi := int(base[0]), int(base[0])
	for _, b := range base {
		lo, hi = min(lo, int(b)), max(hi, int(b))
	}
	tlo, thi := tap[0], tap[0]
	for _, t := range tap {
		tlo, thi = min(tlo, t), max(thi, t)
	}
	if width <= 0 || lo+tlo < 0 || hi+thi+8*width > size {
		panic(fmt.Sprintf("tensor: Stencil %s rows [%d, %d) outside its %d values", name, lo+tlo, hi+thi+8*width, size))
	}
}

// StencilSum is Stencil with every entry writing the same rows, dst[dTap[t]
// : …+8·width]: for each tap t it adds Σ_e vals[e] · src[sBase[e]+sTap[t] :
// …+8·width], summed in order — the same bits as Stencil with all dBase 0.
// The sums stay in registers, so the nine rows are read and written once
// rather than once per entry: the weight gradient of a convolution over
// one input channel's nonzeros. The rows must not overlap. It panics if a
// row falls outside dst or src, or two rows of dst overlap.
func StencilSum(dst, src []float32, width int, dTap, sTap *[Taps]int, vals []float32, sBase []int32) {
	n := len(vals)
	if n == 0 {
		return
	}
	if len(sBase) < n {
		panic("tensor: StencilSum offset list shorter than the values")
	}
	zero := [1]int32{}
	checkStencil("dst", len(dst), width, dTap, zero[:])
	checkStencil("src", len(src), width, sTap, sBase[:n])
	for t := range Taps {
		for u := range t {
			if d := dTap[t] - dTap[u]; d < 8*width && -d < 8*width {
				panic(fmt.Sprintf("tensor: StencilSum rows %d and %d of dst overlap", u, t))
			}
		}
	}
	db, sb := byteOffsets(dTap, sTap)
	kernels.StencilSum(&dst[0], &src[0], width, &db, &sb, &vals[0], &sBase[0], n)
}

// StencilSpread is Stencil with every entry reading the same rows of src,
// src[sTap[t] : …+8·width]: for each entry e in order and tap t it adds
// vals[e] · row t to dst[dBase[e]+dTap[t] : …+8·width]. The rows stay in
// registers: the forward pass of a convolution over one input channel's
// nonzeros, whose kernel rows every nonzero spreads. Where the dst rows
// start at multiples of 8·width and one entry's nine are disjoint (a
// convolution's channel-minor maps), every dst value gets Stencil's bits.
// It panics if a row falls outside dst or src.
func StencilSpread(dst, src []float32, width int, dTap, sTap *[Taps]int, vals []float32, dBase []int32) {
	n := len(vals)
	if n == 0 {
		return
	}
	if len(dBase) < n {
		panic("tensor: StencilSpread offset list shorter than the values")
	}
	zero := [1]int32{}
	checkStencil("dst", len(dst), width, dTap, dBase[:n])
	checkStencil("src", len(src), width, sTap, zero[:])
	db, sb := byteOffsets(dTap, sTap)
	kernels.StencilSpread(&dst[0], &src[0], width, &db, &sb, &vals[0], &dBase[0], n)
}
