package nn

// stepCourse is Pooled.course for the binary unit, as Step.Forward and
// Step.Backward: one spike, the same at every step.
func (l *Pooled[F]) stepCourse(x F, at, q int, back bool) F {
	u := l.Step
	var grad F
	sp := spikeOf(u.Surrogate, max(x, 0)-u.Theta)
	var ds F
	if x > 0 {
		ds = gradOf(u.Surrogate, x-u.Theta)
	}
	for t := range l.steps {
		grad += l.put(t, at, q, sp, ds, back)
	}
	return grad
}
