package nn

// hhCourse is Pooled.course for HH: the leak and drive of column col.
func (l *Pooled[F]) hhCourse(x F, i, col, at, q int, back bool) F {
	u := l.HH
	dt, th, sg := u.Dt, u.Theta, u.Surrogate
	var grad F
	var v, dv F
	for t := range l.steps {
		L := u.leak[t][col]
		if u.IonicHook != nil {
			v = v + dt*x + u.IonicHook(t, i, v*(L-1)+u.drive[t][col])
		} else {
			v = v*L + dt*x + u.drive[t][col]
		}
		if u.DetachCurrents {
			dv += dt
		} else {
			dv = dv*L + dt
		}
		grad += l.put(t, at, q, spikeOf(sg, v-th), gradOf(sg, v-th)*dv, back)
	}
	return grad
}
