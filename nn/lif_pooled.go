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
