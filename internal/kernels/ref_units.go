//go:build !amd64 || purego

package kernels

import (
	"math"

	"github.com/hhnet/hhnet/internal/f32"
	"github.com/hhnet/hhnet/internal/hhv"
)

// above is 1 if a > b, else 0, from the sign bit of b − a, as package nn's
// float32 code and the assembly compute it.
func above(a, b float32) float32 {
	return math.Float32frombits(uint32(int32(math.Float32bits(b-a))>>31) & 0x3f800000)
}

// within is 1 if −w < x < w, else 0.
func within(x, w float32) float32 { return above(x, -w) * above(w, x) }

// LIFStatic is package nn's static LIF forward for n units.
func LIFStatic(d, th, lens float32, steps int, in, cnt, k *float32, n int) {
	counts, sens := row(cnt, 0, n), row(k, 0, n)
	for j, x := range row(in, 0, n) {
		var m, sp, dm, ds, c, kk float32
		for range steps {
			dm = d*(dm*(1-sp)-m*ds) + 1
			m = d*m*(1-sp) + x
			sp = above(m, th)
			ds = within(m-th, lens) * dm
			c += sp
			kk += ds
		}
		counts[j], sens[j] = c, kk
	}
}

// Adam is package nn's float32 Adam update of n parameters; k holds β₁,
// β₂, the weight decay, 1 − β₁, 1 − β₂, the step size, √(1 − β₂ᵗ) and ε.
func Adam(val, grad, m, v *float32, n int, k *[8]float32) {
	b1, b2, wd, c1, c2, stepSize, sqrtBC2, eps := k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]
	gs, ms, vs := row(grad, 0, n), row(m, 0, n), row(v, 0, n)
	vals := row(val, 0, n)
	for j, w := range vals {
		g := gs[j] + wd*w
		mj := b1*ms[j] + c1*g
		vj := b2*vs[j] + c2*g*g
		ms[j], vs[j] = mj, vj
		vals[j] = w - stepSize*mj/(float32(math.Sqrt(float64(vj)))/sqrtBC2+eps)
		gs[j] = 0
	}
}

// StepForward is package nn's binary unit forward for n values.
func StepForward(th float32, out, x *float32, n int) {
	o := row(out, 0, n)
	for i, v := range row(x, 0, n) {
		o[i] = above(max(v, 0), th)
	}
}

// StepBackward is package nn's binary unit backward for n values.
func StepBackward(th, lens float32, dx, dOut, x *float32, n int) {
	d, g := row(dx, 0, n), row(dOut, 0, n)
	for i, v := range row(x, 0, n) {
		d[i] = g[i] * (above(v, 0) * within(v-th, lens))
	}
}

// HHStatic is package nn's static HH forward for n units; the leak and
// drive of step t for unit j are leak[t·stride + j] and drive[t·stride + j].
func HHStatic(dt, th, lens float32, detach bool, steps, stride int, leak, drive, in, cnt, sens *float32, n int) {
	counts, ks := row(cnt, 0, n), row(sens, 0, n)
	for j, x := range row(in, 0, n) {
		var v, dv, c, kk float32
		for t := range steps {
			L := row(leak, t*stride+j, 1)[0]
			v = v*L + dt*x + row(drive, t*stride+j, 1)[0]
			if detach {
				dv = dv + dt
			} else {
				dv = dv*L + dt
			}
			c += above(v, th)
			kk += within(v-th, lens) * dv
		}
		counts[j], ks[j] = c, kk
	}
}

// LIFStep is one step of package nn's per-step LIF forward for n units,
// the previous spikes taken from the previous membranes.
func LIFStep(d, th float32, prevMem, in, mem, spk *float32, n int) {
	pm, x, s := row(prevMem, 0, n), row(in, 0, n), row(spk, 0, n)
	ms := row(mem, 0, n)
	for i := range ms {
		p := pm[i]
		m := d*p*(1-above(p, th)) + x[i]
		ms[i] = m
		s[i] = above(m, th)
	}
}

// LIFBack is one step of package nn's per-step LIF backward for n units.
func LIFBack(d, th, lens float32, mem, next, dSpk, dIn *float32, n int) {
	nx, g, di := row(next, 0, n), row(dSpk, 0, n), row(dIn, 0, n)
	for i, m := range row(mem, 0, n) {
		cMem := nx[i] * d * (1 - above(m, th))
		cSpk := -nx[i] * d * m
		dm := cMem + (g[i]+cSpk)*within(m-th, lens)
		di[i] += dm
		nx[i] = dm
	}
}

// HHRowForward is one step of package nn's per-step HH forward for n
// units of a row.
func HHRowForward(dt, th float32, leak, drive, prev, in, v, spk *float32, n int) {
	L, D, p, x, s := row(leak, 0, n), row(drive, 0, n), row(prev, 0, n), row(in, 0, n), row(spk, 0, n)
	vs := row(v, 0, n)
	for i := range vs {
		u := p[i]*L[i] + dt*x[i] + D[i]
		vs[i] = u
		s[i] = above(u, th)
	}
}

// HHRowBackward is one step of package nn's per-step HH backward for n
// units of a row; the carried gradient cV goes through the leak if
// attached.
func HHRowBackward(dt, th, lens float32, attached bool, leak, v, cV, dIn, dSp *float32, n int) {
	c, di, g := row(cV, 0, n), row(dIn, 0, n), row(dSp, 0, n)
	for i, x := range row(v, 0, n) {
		dv := c[i] + g[i]*within(x-th, lens)
		di[i] += dt * dv
		if attached {
			c[i] = dv * row(leak, i, 1)[0]
		} else {
			c[i] = dv
		}
	}
}

// MovingAverage is the exponential moving average avg = k[0]·avg + k[1]·x
// of n values.
func MovingAverage(avg, x *float32, n int, k *[2]float32) {
	xs := row(x, 0, n)
	as := row(avg, 0, n)
	// The conversions keep the products rounded apart (no fused multiply-add), as the assembly does.
	for j, a := range as {
		as[j] = float32(k[0]*a) + float32(k[1]*xs[j])
	}
}

// Softplus is package f32's Softplus of s − shift for n values: the
// values to sigma, the derivatives to slope.
func Softplus(sigma, slope, s *float32, shift float32, n int) {
	ys, ds := row(sigma, 0, n), row(slope, 0, n)
	for i, v := range row(s, 0, n) {
		ys[i], ds[i] = f32.Softplus(v - shift)
	}
}

// HHvStatic is package nn's HHv static form (hhv.Neuron.Static with the
// rectangular surrogate) for n neurons; k holds the gain, −substep, the
// threshold, the surrogate's half-width, the series' bound and the rest
// state V, m, h, n.
func HHvStatic(in, count, sens *float32, n, steps, substeps int, k *[9]float32) {
	nr := hhv.Neuron[float32]{Rest: hhv.State[float32]{V: k[5], M: k[6], H: k[7], N: k[8]}, H: -k[1],
		Theta: k[2], Lens: k[3], Small: k[4], Steps: steps, Substeps: substeps}
	cs, ss := row(count, 0, n), row(sens, 0, n)
	for j, x := range row(in, 0, n) {
		cs[j], ss[j] = nr.Static(k[0] * x)
	}
}

// hhvNeuron is the neuron of the HHv kernels' k (see HHvStatic).
func hhvNeuron(k *[9]float32, substeps int) hhv.Neuron[float32] {
	return hhv.Neuron[float32]{Rest: hhv.State[float32]{V: k[5], M: k[6], H: k[7], N: k[8]}, H: -k[1],
		Theta: k[2], Lens: k[3], Small: k[4], Substeps: substeps}
}

// hhvState reads neuron j's state, its variables stride values apart.
func hhvState(s []float32, j, stride int) hhv.State[float32] {
	return hhv.State[float32]{V: s[j], M: s[stride+j], H: s[2*stride+j], N: s[3*stride+j]}
}

func setHHvState(s []float32, j, stride int, v hhv.State[float32]) {
	s[j], s[stride+j], s[2*stride+j], s[3*stride+j] = v.V, v.M, v.H, v.N
}

// HHvStepForward is package hhv's Neuron.Step for n neurons from the
// states at ck (V, m, h, n stride values apart) on currents k[0]·in: the
// new states to state, the spikes to spk.
func HHvStepForward(ck, state, in, spk *float32, n, stride, substeps int, k *[9]float32) {
	nr := hhvNeuron(k, substeps)
	cs, ss := row(ck, 0, 3*stride+n), row(state, 0, 3*stride+n)
	sp := row(spk, 0, n)
	for j, x := range row(in, 0, n) {
		var s hhv.State[float32]
		s, sp[j] = nr.Step(hhvState(cs, j, stride), k[0]*x)
		setHHvState(ss, j, stride, s)
	}
}

// HHvStepBackward is package hhv's Neuron.StepBack for n neurons: from
// the step's start states at ck and the adjoints at adj on currents
// k[0]·in with spike gradients dSpk, the start states' adjoints to adj and
// the currents' gradients to di.
func HHvStepBackward(ck, adj, in, dSpk, di *float32, n, stride, substeps int, k *[9]float32) {
	nr := hhvNeuron(k, substeps)
	cs, as := row(ck, 0, 3*stride+n), row(adj, 0, 3*stride+n)
	ds, g := row(dSpk, 0, n), row(di, 0, n)
	for j, x := range row(in, 0, n) {
		var a hhv.State[float32]
		a, g[j] = nr.StepBack(hhvState(cs, j, stride), k[0]*x, hhvState(as, j, stride), ds[j])
		setHHvState(as, j, stride, a)
	}
}
