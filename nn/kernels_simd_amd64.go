//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

// lifStatic32 runs the float32 static LIF kernel eight neurons at a time
// with AVX2 and the scalar kernel on the rest.
func lifStatic32(d, th, lens float32, steps int, in, cnt, k []float32) {
	i := 0
	if archsimd.X86.AVX2() {
		i = lifStatic32Vector(d, th, lens, steps, in, cnt, k)
	}
	if i < len(in) {
		lifStatic32Scalar(d, th, lens, steps, in[i:], cnt[i:], k[i:])
	}
}

// lifStatic32Vector is lifStatic32Scalar's operations in the same order,
// lane by lane, for the first multiple of eight neurons; it returns how
// many it did. It calls nothing: a call in a function with vector loops
// made the compiler spill their registers (20× slower, measured).
func lifStatic32Vector(d, th, lens float32, steps int, in, cnt, k []float32) int {
	b := archsimd.BroadcastFloat32x8
	one, dv, thv, lensv := b(1), b(d), b(th), b(lens)
	var zero archsimd.Float32x8
	i := 0
	for ; i+8 <= len(in); i += 8 {
		x := archsimd.LoadFloat32x8Slice(in[i:])
		var m, sp, dm, ds, c, kk archsimd.Float32x8
		for t := 0; t < steps; t++ {
			oms := one.Sub(sp)
			dm = dv.Mul(dm.Mul(oms).Sub(m.Mul(ds))).Add(one)
			m = dv.Mul(m).Mul(oms).Add(x)
			y := m.Sub(thv)
			sp = one.Masked(m.Greater(thv))
			// |y| < lens: the scalar kernel's −lens < y < lens.
			ds = dm.Masked(lensv.Greater(y.Max(zero.Sub(y))))
			c = c.Add(sp)
			kk = kk.Add(ds)
		}
		c.StoreSlice(cnt[i:])
		kk.StoreSlice(k[i:])
	}
	return i
}

// hhStatic32 runs the float32 static HH kernel eight neurons at a time with
// AVX2 and the scalar kernel on the rest.
func hhStatic32(k *hhKernel[float32], j0 int, in, cnt, sens []float32) {
	i := 0
	if archsimd.X86.AVX2() {
		i = hhStatic32Vector(k, j0, in, cnt, sens)
	}
	if i < len(in) {
		hhStatic32Scalar(k, j0+i, in[i:], cnt[i:], sens[i:])
	}
}

// hhStatic32Vector is hhStatic32Scalar lane by lane (see lifStatic32Vector).
func hhStatic32Vector(k *hhKernel[float32], j0 int, in, cnt, sens []float32) int {
	b := archsimd.BroadcastFloat32x8
	one, dt, thv, lensv := b(1), b(k.dt), b(k.th), b(k.sg.Lens)
	var zero archsimd.Float32x8
	i := 0
	for ; i+8 <= len(in); i += 8 {
		x := archsimd.LoadFloat32x8Slice(in[i:])
		var v, dv, c, kk archsimd.Float32x8
		for t := 0; t < k.steps; t++ {
			L := archsimd.LoadFloat32x8Slice(k.leak[t*k.stride+j0+i:])
			v = v.Mul(L).Add(dt.Mul(x)).Add(archsimd.LoadFloat32x8Slice(k.drive[t*k.stride+j0+i:]))
			if k.detach {
				dv = dv.Add(dt)
			} else {
				dv = dv.Mul(L).Add(dt)
			}
			y := v.Sub(thv)
			c = c.Add(one.Masked(v.Greater(thv)))
			kk = kk.Add(dv.Masked(lensv.Greater(y.Max(zero.Sub(y)))))
		}
		c.StoreSlice(cnt[i:])
		kk.StoreSlice(sens[i:])
	}
	return i
}
