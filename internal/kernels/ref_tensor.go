//go:build !amd64 || purego

package kernels

import (
	"math"
	"unsafe"
)

// Stencil is tensor.Stencil's loop; the tap offsets are in bytes.
func Stencil(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, dBase, sBase *int32, n int) {
	w := 8 * width
	db, sb := ints(dBase, n), ints(sBase, n)
	for e, v := range row(vals, 0, n) {
		for t := range 9 {
			d, s := row(dst, int(db[e])+dTap[t]/4, w), row(src, int(sb[e])+sTap[t]/4, w)
			for i, x := range s {
				d[i] += v * x
			}
		}
	}
}

// StencilSum is tensor.StencilSum's loop; the tap offsets are in bytes.
func StencilSum(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, sBase *int32, n int) {
	w := 8 * width
	sb := ints(sBase, n)
	for e, v := range row(vals, 0, n) {
		for t := range 9 {
			d, s := row(dst, dTap[t]/4, w), row(src, int(sb[e])+sTap[t]/4, w)
			for i, x := range s {
				d[i] += v * x
			}
		}
	}
}

// StencilSpread is tensor.StencilSpread's loop; the tap offsets are in
// bytes.
func StencilSpread(dst, src *float32, width int, dTap, sTap *[9]int, vals *float32, dBase *int32, n int) {
	w := 8 * width
	db := ints(dBase, n)
	for e, v := range row(vals, 0, n) {
		for t := range 9 {
			d, s := row(dst, int(db[e])+dTap[t]/4, w), row(src, sTap[t]/4, w)
			for i, x := range s {
				d[i] += v * x
			}
		}
	}
}

// Gather is tensor.Gather's loop; cstride is in bytes.
func Gather(dst, src, w *float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase *int32, n int) {
	gather(dst, src, w, width, k, stride, cstride/4, rowOff, ints(dBase, n), ints(sBase, n), false)
}

// GatherSkip is Gather passing over zero inputs.
func GatherSkip(dst, src, w *float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase *int32, n int) {
	gather(dst, src, w, width, k, stride, cstride/4, rowOff, ints(dBase, n), ints(sBase, n), true)
}

func gather(dst, src, w *float32, width, k, stride, cstride int, rowOff *[3]int, dBase, sBase []int32, skipZeros bool) {
	rw := 8 * width
	for e, db := range dBase {
		d := row(dst, int(db), rw)
		for ky := range 3 {
			base := int(sBase[e]) + rowOff[ky]
			for c := range k {
				for kx := range 3 {
					u := row(src, base+c*cstride+kx*stride, 1)[0]
					if skipZeros && u == 0 {
						continue
					}
					for i, x := range row(w, ((ky*k+c)*3+kx)*rw, rw) {
						d[i] += u * x
					}
				}
			}
		}
	}
}

// Correlate is tensor.Correlate's loop.
func Correlate(dst *float32, dstStride int, src *float32, srcRow int, dy *float32, dyRow, dyPos, width, h, w int) {
	rw := 8 * width
	for kx := range 3 {
		d := row(dst, kx*dstStride, rw)
		for y := range h {
			for x, u := range row(src, y*srcRow+kx, w) {
				if u == 0 {
					continue
				}
				for i, g := range row(dy, y*dyRow+x*dyPos, rw) {
					d[i] += u * g
				}
			}
		}
	}
}

// Plane is tensor.Plane's loop.
func Plane(dst *float32, cstride int, src *float32, srcRow int, w, bias *float32, cout int, dBase, sBase *int32, n int) {
	b := row(bias, 0, cout)
	db, sb := ints(dBase, n), ints(sBase, n)
	for co := range cout {
		k := row(w, co*9, 9)
		for e := range db {
			d := row(dst, co*cstride+int(db[e]), 8)
			for i := range d {
				a := b[co]
				var c float32
				for t := range 9 {
					u := k[t] * row(src, int(sb[e])+t/3*srcRow+t%3+i, 1)[0]
					if t < 5 {
						a += u
					} else {
						c += u
					}
				}
				d[i] = a + c
			}
		}
	}
}

// PlaneGrad is tensor.PlaneGrad's loop.
func PlaneGrad(acc, dy *float32, cstride int, src *float32, srcRow, cout int, dBase, sBase *int32, mask *uint32, n int) {
	db, sb := ints(dBase, n), ints(sBase, n)
	masks := unsafe.Slice(mask, 8*n)
	for co := range cout {
		a := row(acc, co*80, 80)
		for e := range db {
			g := row(dy, co*cstride+int(db[e]), 8)
			for i, m := range masks[8*e:][:8] {
				v := math.Float32frombits(math.Float32bits(g[i]) & m)
				for t := range 9 {
					a[t*8+i] += v * row(src, int(sb[e])+t/3*srcRow+t%3+i, 1)[0]
				}
				a[72+i] += v
			}
		}
	}
}

// PlaneSum is tensor.PlaneSum's loop.
func PlaneSum(dst *float32, cstride int, src *float32, sstride, srcRow, kin, kout int, w, bias *float32, dBase, sBase *int32, n int) {
	b := row(bias, 0, kout)
	wt := row(w, 0, kin*9*kout)
	var acc [6][8]float32
	sb := ints(sBase, n)
	for e, db := range ints(dBase, n) {
		for j := range kout {
			for i := range acc[j] {
				acc[j][i] = b[j]
			}
		}
		for c := range kin {
			for t := range 9 {
				v := row(src, c*sstride+int(sb[e])+t/3*srcRow+t%3, 8)
				for j := range kout {
					x := wt[(c*9+t)*kout+j]
					for i, s := range v {
						acc[j][i] += x * s
					}
				}
			}
		}
		for j := range kout {
			copy(row(dst, j*cstride+int(db), 8), acc[j][:])
		}
	}
}

// PadPlanes is tensor.PadPlanes's loop.
func PadPlanes(dst *float32, dstPlane, dstRow int, src *float32, srcPlane, planes, h, w int) {
	for p := range planes {
		for y := range h {
			copy(row(dst, p*dstPlane+(y+1)*dstRow+1, w), row(src, p*srcPlane+y*w, w))
		}
	}
}

// SparsePairs is the sparse product's loop over pairs of rows of c: each
// listed position adds its two values times the row of b at its offset.
func SparsePairs(c *float32, ldc, pairs int, beg, cnt, off *int32, val0, val1, b *float32, vecs int) {
	w := 8 * vecs
	begs, cnts := ints(beg, pairs), ints(cnt, pairs)
	for i := range pairs {
		c0, c1 := row(c, 2*i*ldc, w), row(c, (2*i+1)*ldc, w)
		q0, n := int(begs[i]), int(cnts[i])
		offs := ints(off, q0+n)
		for q := q0; q < q0+n; q++ {
			x, y := row(val0, q, 1)[0], row(val1, q, 1)[0]
			for j, v := range row(b, int(offs[q]), w) {
				c0[j] += x * v
				c1[j] += y * v
			}
		}
	}
}

// Compact lists the nonzeros of src[0:n] and their positions + base.
func Compact(idx *int32, val *float32, src *float32, n int, base int) int {
	ix, vs := ints(idx, n), row(val, 0, n)
	k := 0
	for i, v := range row(src, 0, n) {
		if v != 0 {
			ix[k], vs[k] = int32(base+i), v
			k++
		}
	}
	return k
}

// CompactPair lists the positions where src0 or src1 is nonzero.
func CompactPair(off *int32, val0, val1, src0, src1 *float32, n int, step int) (union, nonzeros int) {
	o, v0, v1, s1 := ints(off, n), row(val0, 0, n), row(val1, 0, n), row(src1, 0, n)
	for i, a := range row(src0, 0, n) {
		b := s1[i]
		if a == 0 && b == 0 {
			continue
		}
		o[union], v0[union], v1[union] = int32(i*step), a, b
		union++
		if a != 0 {
			nonzeros++
		}
		if b != 0 {
			nonzeros++
		}
	}
	return union, nonzeros
}

// Transpose8 transposes 8·rows8 × 8·cols8 values.
func Transpose8(dst *float32, ldd int, src *float32, lds int, rows8, cols8 int) {
	for i := range 8 * rows8 {
		for j, v := range row(src, i*lds, 8*cols8) {
			row(dst, j*ldd+i, 1)[0] = v
		}
	}
}

// GemmTile adds the product of six rows of A and 16 columns of B, k deep,
// to a 6 × 16 tile of C: A's element (r, p) is a[r·ar + p·ak], B's row p
// starts at b[p·ldb]; ldc, ar, ak and ldb are in elements.
func GemmTile(c *float32, ldc int, a *float32, ar, ak int, b *float32, ldb, k int) {
	gemmTile(c, ldc, a, ar, ak, b, ldb, k, 16)
}

// GemmTile32 adds the product of six rows of A and 32 columns of B, k deep,
// to a 6 × 32 tile of C: A's element (r, p) is a[r·ar + p·ak], B's row p
// starts at b[p·ldb]; ldc, ar, ak and ldb are in elements.
func GemmTile32(c *float32, ldc int, a *float32, ar, ak int, b *float32, ldb, k int) {
	gemmTile(c, ldc, a, ar, ak, b, ldb, k, 32)
}

// TileCols is the width of the widest product tile: 16 for the Go loops.
func TileCols() int { return 16 }

func gemmTile(c *float32, ldc int, a *float32, ar, ak int, b *float32, ldb, k, cols int) {
	if k == 0 {
		return
	}
	pa, pb := row(a, 0, 5*ar+(k-1)*ak+1), row(b, 0, (k-1)*ldb+cols)
	for r := range 6 {
		cr := row(c, r*ldc, cols)
		for j := range cols {
			var acc float32
			for p := range k {
				acc += pa[r*ar+p*ak] * pb[p*ldb+j]
			}
			cr[j] += acc
		}
	}
}
