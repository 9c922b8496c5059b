//go:build !amd64 || purego

package kernels

import "unsafe"

// HHFastStep is the assembly kernel's loop in Go: the same operations in
// the same order, one neuron at a time.
func HHFastStep(v, m, n, h, iext *float64, k *[144]float64, count int) int {
	c := func(slot int) float64 { return k[4*slot] }
	V := unsafe.Slice(v, count)
	M, N, H, I := unsafe.Slice(m, count), unsafe.Slice(n, count), unsafe.Slice(h, count), unsafe.Slice(iext, count)
	rest, lim, negLim, eps, negEps, k720, one := c(0), c(1), c(2), c(3), c(4), c(5), c(6)
	var cs [11]float64
	for j := range cs {
		cs[j] = c(7 + j)
	}
	cn, cm, ch, dn, dm := c(18), c(19), c(20), c(21), c(22)
	k001, k01, k007, k0125, k4 := c(23), c(24), c(25), c(26), c(27)
	gNa, gK, gL, eNa, eK, eL, dt, dtC := c(28), c(29), c(30), c(31), c(32), c(33), c(34), c(35)
	i := 0
	for ; count-i >= 4; i += 4 {
		for j := i; j < i+4; j++ {
			r := V[j] + rest
			xn, xm := r-dn, r-dm
			if r > lim || r < negLim || xn <= eps && xn >= negEps || xm <= eps && xm >= negEps {
				return i
			}
		}
		for j := i; j < i+4; j++ {
			v := V[j]
			r := v + rest
			x := r * k720
			x2 := x * x
			x4 := x2 * x2
			x8 := x4 * x4
			q03 := (x + one) + x2*(cs[0]+x*cs[1])
			q47 := (cs[2] + x*cs[3]) + x2*(cs[4]+x*cs[5])
			q811 := (cs[6] + x*cs[7]) + x2*(cs[8]+x*cs[9])
			q := q03 + x4*q47 + x8*(q811+x4*cs[10])
			q2 := q * q
			q4 := q2 * q2
			q9 := q4 * q4 * q
			q18 := q9 * q9
			q36 := q18 * q18
			e10 := q36 * q36
			ah, bn, bm := k007*q36, k0125*q9, k4*q36*q4
			numN, denN := k001*(r-dn), one-e10*cn
			numM, denM := k01*(r-dm), one-e10*cm
			denH := one + e10*ch
			inv := one / (denN * denM * denH)
			an := numN * denM * denH * inv
			am := numM * denN * denH * inv
			bh := denN * denM * inv
			mm, nn, hg := M[j], N[j], H[j]
			m3 := mm * mm * mm
			n2 := nn * nn
			ion := gNa*m3*hg*(v-eNa) + gK*n2*n2*(v-eK) + gL*(v-eL)
			V[j] = v + dtC*(I[j]-ion)
			M[j] = mm + dt*(am*(one-mm)-bm*mm)
			N[j] = nn + dt*(an*(one-nn)-bn*nn)
			H[j] = hg + dt*(ah*(one-hg)-bh*hg)
		}
	}
	return i
}
