package nn

// lifCourse is Pooled.course for LIF, with ∂m/∂x carried forward.
func (l *Pooled[F]) lifCourse(x F, at, q int, back bool) F {
	u := l.LIF
	d, th, sg := u.Decay, u.Theta, u.Surrogate
	var grad F
	// m: membrane, sp: spike, dm: ∂m/∂x, all of the step before.
	var m, sp, dm F
	for t := range l.steps {
		// ∂m_t/∂x through the decay, the reset factor and its spike.
		dm = d*(dm*(1-sp)-m*gradOf(sg, m-th)*dm) + 1
		m = d*m*(1-sp) + x
		sp = spikeOf(sg, m-th)
		grad += l.put(t, at, q, sp, gradOf(sg, m-th)*dm, back)
	}
	return grad
}

// lifCourse is lifCourse's float32 form (pooledKernel.course).
func (k *pooledKernel) lifCourse(i, at, q int, back bool) float32 {
	x := k.in[i]
	var grad float32
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
	return grad
}
