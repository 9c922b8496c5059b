package nn

// The float32 scalar forms of Pooled's units (rectangular surrogate): the
// generic code's operations in the same order, with branch-free spikes
// and windows. They run rows too short for the vector kernels, and every
// row in builds without them.

// course is Pooled.course for neuron i.
func (k *pooledKernel) course(i, col, at, q int, back bool) float32 {
	x := k.in[i]
	var grad float32
	switch {
	case k.step:
		sp := above(max(x, 0), k.th)
		ds := above(x, 0) * within(x-k.th, k.lens)
		for t := range k.steps {
			grad += k.put(t, at, q, sp, ds, back)
		}
	case k.lif:
		d, th, lens := k.d, k.th, k.lens
		var m, sp, dm float32
		for t := range k.steps {
			if back {
				dm = d*(dm*(1-sp)-m*within(m-th, lens)*dm) + 1
			}
			m = d*m*(1-sp) + x
			sp = above(m, th)
			grad += k.put(t, at, q, sp, within(m-th, lens)*dm, back)
		}
	default:
		th, lens, dt := k.th, k.lens, k.dt
		var v, dv float32
		for t := range k.steps {
			L := k.leakEO[t*k.side+(col%2)*(k.side/2)+col/2]
			v = v*L + dt*x + k.driveEO[t*k.side+(col%2)*(k.side/2)+col/2]
			if k.detach {
				dv += dt
			} else {
				dv = dv*L + dt
			}
			grad += k.put(t, at, q, above(v, th), within(v-th, lens)*dv, back)
		}
	}
	return grad
}

// put is Pooled.put.
func (k *pooledKernel) put(t, at, q int, sp, ds float32, back bool) float32 {
	if back {
		return k.dPooled[t][at] * 0.25 * ds
	}
	if q == 0 {
		k.pooled[t][at] = sp
	} else {
		k.pooled[t][at] += sp
	}
	return 0
}

// slifCourse is Pooled.slifCourse for unit i.
func (k *pooledKernel) slifCourse(i, at, q int, back bool, mix *[4]float64) {
	d, th, lens := k.d, k.th, k.lens
	w0, w1, w2, b := k.mix[0], k.mix[1], k.mix[2], k.mix[3]
	wk := [3]float32{w0, w1, w2}
	x := [3]float32{k.in[i], k.in[k.size+i], k.in[2*k.size+i]}
	var m, sp [4]float32
	var a, c, e, dIn [3]float32
	var f float32
	var dMix [4]float32
	for t := range k.steps {
		if back {
			r3 := m[3] * within(m[3]-th, lens)
			for q := range 3 {
				c[q] = d*(c[q]*(1-sp[3])-r3*c[q]) + wk[q]*a[q]
				e[q] = d*(e[q]*(1-sp[3])-r3*e[q]) + m[q]
				a[q] = d*(a[q]*(1-sp[q])-m[q]*within(m[q]-th, lens)*a[q]) + 1
			}
			f = d*(f*(1-sp[3])-r3*f) + 1
		}
		m4 := d*m[3]*(1-sp[3]) + w0*m[0] + w1*m[1] + w2*m[2] + b
		for q := range 3 {
			m[q] = d*m[q]*(1-sp[q]) + x[q]
		}
		m[3] = m4
		for q := range m {
			sp[q] = above(m[q], th)
		}
		if !back {
			n := sp[0] + sp[1] + sp[2] + sp[3]
			if q == 0 {
				k.pooled[t][at] = n
			} else {
				k.pooled[t][at] += n
			}
			continue
		}
		ds := k.dPooled[t][at] * 0.25
		g3 := ds * within(m[3]-th, lens)
		for q := range 3 {
			dIn[q] += ds*within(m[q]-th, lens)*a[q] + g3*c[q]
			dMix[q] += g3 * e[q]
		}
		dMix[3] += g3 * f
	}
	if back {
		for q := range 3 {
			k.dIn[q*k.size+i] = dIn[q]
		}
		for q := range dMix {
			mix[q] += float64(dMix[q])
		}
	}
}
