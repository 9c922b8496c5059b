package nn

import "github.com/hhnet/hhnet/tensor"

// Pooled is a spiking layer over [planes][side][side] maps whose input is
// the same at every step, read out through 2×2 average pooling: the first
// stage of the conv models, whose input is the first convolution of a
// static image. Its unit is LIF or HH (the layer's parameters; HH columns
// take their rate coefficients from the map column, Width = side) or
// s-LIF2HH, whose three inputs are three consecutive blocks of maps and
// whose four sub-neurons' spikes are summed before pooling (the conv
// model's layer 1; the mixing gradient is added to SLIF.Mix.Grad).
//
// Forward runs every step at once, neuron by neuron, and keeps nothing but
// the pooled spikes of each step. Backward takes the gradients of all the
// steps' pooled spikes and replays each neuron's course together with its
// derivative by the input (forward mode: the input is one number per
// neuron), so that the pass back through time becomes a sum,
//
//	dIn = Σ_t dSpike_t · ∂spike_t/∂in,
//
// the same gradient as stepping the per-step layer backwards, with no
// state stored per step: for a 128-image batch of 10 maps of 36×36 over 15
// steps that is 100 MB of membranes not written and read back.
type Pooled[F Float] struct {
	LIF  *LIF[F] // the unit: exactly one of LIF, HH, SLIF and Step is set
	HH   *HH[F]
	SLIF *SLIF2HH[F]
	Step *Step[F] // the CNN's binary unit: the same spike at every step
	// Pool splits the maps' rows over goroutines; nil runs them here.
	Pool *tensor.Pool

	planes, side, steps int
	in, dIn             []F
	pooled, dPooled     [][]F
	goingBack           bool
	mixPart             [][4]float64 // s-LIF2HH: mixing gradient per block
	fast                pooledKernel // float32, rectangular surrogate
	leakEO, driveEO     []float32    // HH tables [t][parity][side/2], for fast
}

// pooledKernel is what the float32 kernels of a Pooled layer need. A
// vector block is 8 pooled outputs of one row; its 32 neurons are four
// groups q of 8 (map row 2y + q/2, columns of parity q mod 2).
type pooledKernel struct {
	ok, lif, detach bool // ok: the layer runs these kernels
	slif, step      bool
	d, th, lens, dt float32
	mix             [4]float32 // s-LIF2HH: w₁, w₂, w₃, b
	steps, side     int
	size            int // neurons of one input block
	in, dIn         []float32
	pooled, dPooled [][]float32
	leakEO, driveEO []float32
}

// pooledMaxSteps bounds the steps of the assembly kernels, which take a
// table of the steps' pooled rows.
const pooledMaxSteps = 32

// pooledGrain is the number of pooled rows in a block of work.
const pooledGrain = 16

// inputs is the number of input maps per neuron: 3 for s-LIF2HH, else 1.
func (l *Pooled[F]) inputs() int {
	if l.SLIF != nil {
		return 3
	}
	return 1
}

// Forward runs len(pooled) steps on in [planes][side][side] (s-LIF2HH:
// three such blocks) and overwrites pooled[t] [planes][side/2][side/2]
// with step t's pooled spikes.
func (l *Pooled[F]) Forward(pooled [][]F, in []F, planes, side int) {
	if side%2 != 0 || len(in) < l.inputs()*planes*side*side {
		panic("nn: Pooled.Forward maps of odd side or input shorter than the maps")
	}
	for _, p := range pooled {
		if len(p) < planes*side*side/4 {
			panic("nn: Pooled.Forward output shorter than the pooled maps")
		}
	}
	l.planes, l.side, l.steps = planes, side, len(pooled)
	if l.HH != nil {
		l.HH.gates(side, l.steps)
	}
	l.in, l.pooled, l.goingBack = in, pooled, false
	l.setFast()
	l.run()
	l.pooled, l.fast.pooled = nil, nil
}

// setFast fills the float32 kernels' arguments (nothing for float64 or a
// smooth surrogate).
func (l *Pooled[F]) setFast() {
	var sg Surrogate[F]
	switch {
	case l.LIF != nil:
		sg = l.LIF.Surrogate
	case l.HH != nil:
		sg = l.HH.Surrogate
	case l.SLIF != nil:
		sg = l.SLIF.Surrogate
	default:
		sg = l.Step.Surrogate
	}
	l.fast.ok = false
	if !isFast32(sg) {
		return
	}
	k := pooledKernel{steps: l.steps, side: l.side, size: l.planes * l.side * l.side, lens: float32(sg.Lens),
		in: any(l.in).([]float32), pooled: any(l.pooled).([][]float32)}
	if l.goingBack {
		k.dIn, k.dPooled = any(l.dIn).([]float32), any(l.dPooled).([][]float32)
	}
	if u := l.LIF; u != nil {
		k.lif, k.d, k.th = true, float32(u.Decay), float32(u.Theta)
	} else if u := l.Step; u != nil {
		k.step, k.th = true, float32(u.Theta)
	} else if u := l.SLIF; u != nil {
		k.slif, k.d, k.th = true, float32(u.Decay), float32(u.Theta)
		for q := range k.mix {
			k.mix[q] = float32(u.Mix.Value[q])
		}
	} else {
		u := l.HH
		k.th, k.dt, k.detach = float32(u.Theta), float32(u.Dt), u.DetachCurrents
		// Tables by column parity, so that a vector loads 8 columns of one parity.
		half := l.side / 2
		l.leakEO = grow(l.leakEO, l.steps*l.side)
		l.driveEO = grow(l.driveEO, l.steps*l.side)
		for t := range l.steps {
			for c := range l.side {
				at := t*l.side + (c%2)*half + c/2
				l.leakEO[at], l.driveEO[at] = float32(u.leak[t][c]), float32(u.drive[t][c])
			}
		}
		k.leakEO, k.driveEO = l.leakEO, l.driveEO
	}
	l.fast = k
	l.fast.ok = true
}

// Backward overwrites dIn (laid out as Forward's input) with the input
// gradient given dPooled[t], the gradient of step t's pooled spikes. The
// input must be Forward's, unchanged.
func (l *Pooled[F]) Backward(dIn []F, dPooled [][]F) {
	if len(dPooled) != l.steps || len(dIn) < l.inputs()*l.planes*l.side*l.side {
		panic("nn: Pooled.Backward gradients do not match the forward pass")
	}
	l.dIn, l.dPooled, l.goingBack = dIn, dPooled, true
	blocks := (l.planes*l.side/2 + pooledGrain - 1) / pooledGrain
	if l.SLIF != nil {
		if cap(l.mixPart) < blocks {
			l.mixPart = make([][4]float64, blocks)
		}
		l.mixPart = l.mixPart[:blocks]
		clear(l.mixPart)
	}
	l.setFast()
	l.run()
	l.dIn, l.dPooled, l.fast.dIn, l.fast.dPooled = nil, nil, nil, nil
	if l.SLIF != nil {
		// The blocks' mixing gradients, summed in block order.
		var sum [4]float64
		for _, b := range l.mixPart {
			for q := range sum {
				sum[q] += b[q]
			}
		}
		for q := range sum {
			l.SLIF.Mix.Grad[q] += F(sum[q])
		}
	}
}

func (l *Pooled[F]) run() {
	rows := l.planes * l.side / 2
	if l.Pool == nil {
		l.Range(0, rows)
		return
	}
	l.Pool.Run(l, rows, pooledGrain)
}

// Range runs pooled rows [lo, hi) (row r is row r mod side/2 of plane
// r div side/2).
func (l *Pooled[F]) Range(lo, hi int) {
	half := l.side / 2
	var mix [4]float64
	for r := lo; r < hi; r++ {
		plane, y := r/half, r%half
		if l.fast.ok && pooledRowAsm(&l.fast, plane, y, l.goingBack, &mix) {
			continue
		}
		for x := range half {
			l.block(plane, y, x, &mix)
		}
	}
	if l.SLIF != nil && l.goingBack {
		l.mixPart[lo/pooledGrain] = mix
	}
}

// block runs the 2×2 neurons of pooled output (y, x) of plane, in the
// order AvgPool2Forward sums them.
func (l *Pooled[F]) block(plane, y, x int, mix *[4]float64) {
	s, half := l.side, l.side/2
	at := plane*half*half + y*half + x
	for q := range 4 {
		col := 2*x + q%2
		i := plane*s*s + (2*y+q/2)*s + col
		if l.SLIF != nil {
			if l.fast.ok {
				l.fast.slifCourse(i, at, q, l.goingBack, mix)
			} else {
				l.slifCourse(i, at, q, mix)
			}
			continue
		}
		if l.fast.ok {
			if g := l.fast.course(i, col, at, q, l.goingBack); l.goingBack {
				l.fast.dIn[i] = g
			}
			continue
		}
		if l.goingBack {
			l.dIn[i] = l.course(l.in[i], i, col, at, q, true)
		} else {
			l.course(l.in[i], i, col, at, q, false)
		}
	}
	if !l.goingBack {
		for _, p := range l.pooled {
			p[at] *= 0.25 // as the vector kernels (exact: a power of 2)
		}
	}
}

// course runs neuron i of input x (map column col) through every step.
// Forward, it adds its spikes into the pooled outputs at (q = 0 sets
// them); backward, it returns Σ_t dPooled_t/4 · ∂spike_t/∂x.
func (l *Pooled[F]) course(x F, i, col, at, q int, back bool) F {
	var grad F
	if u := l.Step; u != nil {
		// As Step.Forward and Step.Backward.
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
	if u := l.LIF; u != nil {
		d, th, sg := u.Decay, u.Theta, u.Surrogate
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
	u := l.HH
	dt, th, sg := u.Dt, u.Theta, u.Surrogate
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

// put adds spike sp to pooled output at of step t (forward) or returns the
// step's share of the input gradient, dPooled_t/4 · ds (backward).
func (l *Pooled[F]) put(t, at, q int, sp, ds F, back bool) F {
	if back {
		return l.dPooled[t][at] * 0.25 * ds
	}
	if q == 0 {
		l.pooled[t][at] = sp
	} else {
		l.pooled[t][at] += sp
	}
	return 0
}

// slifCourse runs s-LIF2HH unit i through every step. Forward, it adds the
// sum of its four spikes into the pooled outputs (q = 0 sets them);
// backward, it writes the gradients of its three inputs and adds the
// mixing gradient into mix. Forward-mode derivatives of the step before:
// a_k = ∂m_k/∂x_k (k < 3); for sub-neuron 4, c_k = ∂m₄/∂x_k, e_k = ∂m₄/∂w_k
// and f = ∂m₄/∂b.
func (l *Pooled[F]) slifCourse(i, at, q int, mix *[4]float64) {
	u := l.SLIF
	d, th, sg := u.Decay, u.Theta, u.Surrogate
	w0, w1, w2, b := u.Mix.Value[0], u.Mix.Value[1], u.Mix.Value[2], u.Mix.Value[3]
	wk := [3]F{w0, w1, w2}
	size := l.planes * l.side * l.side
	x := [3]F{l.in[i], l.in[size+i], l.in[2*size+i]}
	var m, sp [4]F
	var a, c, e [3]F
	var f F
	var dIn [3]F
	var dMix [4]F
	for t := range l.steps {
		if l.goingBack {
			// Through sub-neuron 4's decay, reset factor and spike.
			r3 := m[3] * gradOf(sg, m[3]-th)
			for k := range 3 {
				c[k] = d*(c[k]*(1-sp[3])-r3*c[k]) + wk[k]*a[k]
				e[k] = d*(e[k]*(1-sp[3])-r3*e[k]) + m[k]
				a[k] = d*(a[k]*(1-sp[k])-m[k]*gradOf(sg, m[k]-th)*a[k]) + 1
			}
			f = d*(f*(1-sp[3])-r3*f) + 1
		}
		m4 := d*m[3]*(1-sp[3]) + w0*m[0] + w1*m[1] + w2*m[2] + b
		for k := range 3 {
			m[k] = d*m[k]*(1-sp[k]) + x[k]
		}
		m[3] = m4
		for k := range m {
			sp[k] = spikeOf(sg, m[k]-th)
		}
		if !l.goingBack {
			n := sp[0] + sp[1] + sp[2] + sp[3]
			if q == 0 {
				l.pooled[t][at] = n
			} else {
				l.pooled[t][at] += n
			}
			continue
		}
		ds := l.dPooled[t][at] * 0.25
		g3 := ds * gradOf(sg, m[3]-th)
		for k := range 3 {
			dIn[k] += ds*gradOf(sg, m[k]-th)*a[k] + g3*c[k]
			dMix[k] += g3 * e[k]
		}
		dMix[3] += g3 * f
	}
	if l.goingBack {
		for k := range 3 {
			l.dIn[k*size+i] = dIn[k]
		}
		for k := range dMix {
			mix[k] += float64(dMix[k])
		}
	}
}
