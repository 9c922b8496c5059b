package nn

import (
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

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
			l.slifCourse(i, at, q, mix)
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
	switch {
	case l.Step != nil:
		return l.stepCourse(x, at, q, back)
	case l.LIF != nil:
		return l.lifCourse(x, at, q, back)
	}
	return l.hhCourse(x, i, col, at, q, back)
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

// pooledRowAsm runs pooled row y of plane with the assembly kernels and
// reports whether it did (not for rows shorter than a vector, too many
// steps, or s-LIF2HH rows of more than slifAsmBlocks blocks); mix receives
// the s-LIF2HH mixing gradient.
func pooledRowAsm(k *pooledKernel, plane, y int, back bool, mix *[4]float64) bool {
	half := k.side / 2
	if half < 8 || k.steps > pooledMaxSteps || k.slif && half > 8*slifAsmBlocks {
		return false
	}
	in0 := plane*k.side*k.side + 2*y*k.side
	in1 := in0 + k.side
	row := (plane*half + y) * half
	// The steps' rows of pooled outputs (gradients), as addresses the
	// kernels read; k keeps the slices alive.
	var rows [pooledMaxSteps]uintptr
	maps := k.pooled
	if back {
		maps = k.dPooled
	}
	for t, m := range maps[:k.steps] {
		rows[t] = addr(m[row:][:half])
	}
	x0, x1 := &k.in[in0:][:k.side][0], &k.in[in1:][:k.side][0]
	hh := !k.lif && !k.step && !k.slif
	if hh && (len(k.leakEO) < k.steps*k.side || len(k.driveEO) < k.steps*k.side || k.steps == 0) {
		return false
	}
	switch {
	case k.slif && back:
		pooledSLIFRowAsm(k, in0, half, &rows, mix)
	case k.slif:
		w := k.mix
		kernels.PooledSLIFForward(k.d, k.th, k.steps, &w, &k.in[in0 : in0+2*k.size+2*k.side][0], k.size, k.side, half, &rows[0])
	case hh && back:
		kernels.PooledHHBackward(k.dt, k.th, k.lens, k.detach, k.steps, x0, x1,
			&k.dIn[in0:][:k.side][0], &k.dIn[in1:][:k.side][0], half, &k.leakEO[0], &k.driveEO[0], &rows[0])
	case hh:
		kernels.PooledHHForward(k.dt, k.th, k.steps, x0, x1, half, &k.leakEO[0], &k.driveEO[0], &rows[0])
	case k.lif && back:
		kernels.PooledLIFBackward(k.d, k.th, k.lens, k.steps, x0, x1,
			&k.dIn[in0:][:k.side][0], &k.dIn[in1:][:k.side][0], half, &rows[0])
	case k.lif:
		kernels.PooledLIFForward(k.d, k.th, k.steps, x0, x1, half, &rows[0])
	case back:
		kernels.PooledStepBackward(k.th, k.lens, k.steps, x0, x1,
			&k.dIn[in0:][:k.side][0], &k.dIn[in1:][:k.side][0], half, &rows[0])
	default:
		kernels.PooledStepForward(k.th, k.steps, x0, x1, half, &rows[0])
	}
	return true
}
