package nn

import (
	"math"

	"github.com/hhnet/hhnet/tensor"
)

// Static input. In the fully-connected models the image, and so each
// spiking neuron's input current, is the same at every step, and the loss
// sees the spikes only through their count. The static forms exploit both.
//
// LIF and HH: because the input x is one number per neuron and every
// step's spike gets the same gradient g (that of the count), back-
// propagation through time collapses to dIn = g·K(x), where K = Σ_t ∂s_t/∂x
// under the surrogate rule. The forward pass computes K alongside the
// counts by forward-mode differentiation (one tangent per neuron), so the
// backward pass is one multiplication and nothing is stored per step.
// TestStaticMatchesPerStep checks this against reverse mode over the
// per-step forms.
//
// s-LIF2HH has three inputs and a shared mixing layer, so it keeps reverse
// mode: the forward pass stores each step's membranes, the backward pass
// walks them back.
//
// Blocks of neurons are split over a tensor.Pool; each block runs all T
// steps while its state stays in L1.
//
// float32 with the rectangular surrogate — training — takes kernels that
// compute spikes and surrogate windows from sign bits instead of branches
// (spikes are data-dependent, so branches mispredict), with AVX2
// assembly versions on amd64 (package internal/kernels); all compute the
// generic code's expressions in the same order
// (TestFastKernelsMatchGeneric).

// staticBlock is the number of neurons (units) in a block of work.
const staticBlock = 64

// checkStatic panics on misuse of a static form.
func checkStatic(steps, n, size int) {
	if steps < 1 {
		panic("nn: static forms need at least one step (call Reset)")
	}
	if n < size {
		panic("nn: buffer shorter than the layer")
	}
}

// spikeOf and gradOf are Surrogate's Spike and Grad with the rectangular
// case written inline (method calls on a type parameter are not inlined).
func spikeOf[F Float](sg Surrogate[F], x F) F {
	if sg.Smooth > 0 {
		return sg.Spike(x)
	}
	if x > 0 {
		return 1
	}
	return 0
}

func gradOf[F Float](sg Surrogate[F], x F) F {
	if sg.Smooth > 0 {
		return sg.Grad(x)
	}
	if x < sg.Lens && x > -sg.Lens {
		return 1
	}
	return 0
}

// above is 1 if a > b, else 0, without a branch: the sign bit of b − a
// (which is +0, not −0, when a = b, so the comparison is strict).
func above(a, b float32) float32 {
	return math.Float32frombits(uint32(int32(math.Float32bits(b-a))>>31) & 0x3f800000)
}

// within is 1 if −w < x < w, else 0, without a branch.
func within(x, w float32) float32 {
	return above(x, -w) * above(w, x)
}

// isFast32 tells whether F is float32 and the surrogate rectangular: the
// training case, which runs the fast kernels.
func isFast32[F Float](sg Surrogate[F]) bool {
	var z F
	_, is32 := any(z).(float32)
	return is32 && sg.Smooth == 0
}

// ---------------------------------------------------------------- LIF

// lifStatic is one static LIF pass, kept in the layer so that handing it to
// the pool allocates nothing.
type lifStatic[F Float] struct {
	l            *LIF[F]
	in, count, k []F
}

// ForwardStatic runs the layer's steps (set by Reset) on the constant input
// in and overwrites count with each neuron's spike count.
func (l *LIF[F]) ForwardStatic(p *tensor.Pool, count, in []F) {
	checkStatic(l.steps, min(len(in), len(count)), l.size)
	l.sens = grow(l.sens, l.size)
	l.static = lifStatic[F]{l: l, in: in, count: count, k: l.sens}
	p.Run(&l.static, l.size, staticBlock)
	l.static = lifStatic[F]{}
}

// BackwardStatic overwrites dIn with the gradient of the input given
// dCount, the gradient of the spike counts.
func (l *LIF[F]) BackwardStatic(dIn, dCount []F) {
	scaleInto(dIn[:l.size], dCount[:l.size], l.sens[:l.size])
}

func scaleInto[F Float](dst, a, b []F) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func (s *lifStatic[F]) Range(lo, hi int) {
	l := s.l
	if isFast32(l.Surrogate) {
		lif := any(l).(*LIF[float32])
		lifStatic32(lif.Decay, lif.Theta, lif.Surrogate.Lens, l.steps,
			any(s.in).([]float32)[lo:hi], any(s.count).([]float32)[lo:hi], any(s.k).([]float32)[lo:hi])
		return
	}
	lifStaticGeneric(l.Decay, l.Theta, l.Surrogate, l.steps, s.in[lo:hi], s.count[lo:hi], s.k[lo:hi])
}

// lifStaticGeneric runs steps steps of LIF neurons on constant inputs in,
// writing spike counts to cnt and d(count)/d(input) to k.
func lifStaticGeneric[F Float](d, th F, sg Surrogate[F], steps int, in, cnt, k []F) {
	for j, x := range in {
		// m, sp: membrane and spike; dm, ds: their derivatives by x.
		var m, sp, dm, ds, c, kk F
		for t := 0; t < steps; t++ {
			dm = d*(dm*(1-sp)-m*ds) + 1
			m = d*m*(1-sp) + x
			sp = spikeOf(sg, m-th)
			ds = gradOf(sg, m-th) * dm
			c += sp
			kk += ds
		}
		cnt[j], k[j] = c, kk
	}
}

// lifStatic32Scalar is the float32 rectangular-surrogate kernel: the
// generic loop above with sign-bit spikes and windows.
func lifStatic32Scalar(d, th, lens float32, steps int, in, cnt, k []float32) {
	cnt, k = cnt[:len(in)], k[:len(in)]
	for j, x := range in {
		var m, sp, dm, ds, c, kk float32
		for t := 0; t < steps; t++ {
			dm = d*(dm*(1-sp)-m*ds) + 1
			m = d*m*(1-sp) + x
			sp = above(m, th)
			ds = within(m-th, lens) * dm
			c += sp
			kk += ds
		}
		cnt[j], k[j] = c, kk
	}
}

// ---------------------------------------------------------------- HH

// hhStatic is one static HH pass.
type hhStatic[F Float] struct {
	l            *HH[F]
	in, count, k []F
	kern         hhKernel[F]
}

// ForwardStatic runs the layer's steps (set by Reset) on the constant input
// in and overwrites count with each neuron's spike count.
func (l *HH[F]) ForwardStatic(p *tensor.Pool, count, in []F) {
	checkStatic(l.steps, min(len(in), len(count)), l.size)
	l.sens = grow(l.sens, l.size)
	l.flatLeak = flatten(l.flatLeak, l.leak)
	l.flatDrive = flatten(l.flatDrive, l.drive)
	l.static = hhStatic[F]{l: l, in: in, count: count, k: l.sens,
		kern: hhKernel[F]{dt: l.Dt, th: l.Theta, sg: l.Surrogate, steps: l.steps, stride: l.perSample,
			detach: l.DetachCurrents, leak: l.flatLeak, drive: l.flatDrive}}
	p.Run(&l.static, l.size, staticBlock)
	l.static = hhStatic[F]{}
}

// BackwardStatic overwrites dIn with the gradient of the input given
// dCount, the gradient of the spike counts.
func (l *HH[F]) BackwardStatic(dIn, dCount []F) {
	scaleInto(dIn[:l.size], dCount[:l.size], l.sens[:l.size])
}

// flatten copies rows into one slice, row after row.
func flatten[F Float](dst []F, rows [][]F) []F {
	dst = dst[:0]
	for _, r := range rows {
		dst = append(dst, r...)
	}
	return dst
}

// Range runs neurons [lo, hi), one stretch per sample they belong to.
func (s *hhStatic[F]) Range(lo, hi int) {
	l := s.l
	ps := l.perSample
	for i := lo; i < hi; {
		j0 := i % ps
		end := min(hi, i+ps-j0)
		if isFast32(l.Surrogate) {
			hhStatic32(any(&s.kern).(*hhKernel[float32]), j0, any(s.in).([]float32)[i:end], any(s.count).([]float32)[i:end], any(s.k).([]float32)[i:end])
		} else {
			s.kern.generic(j0, s.in[i:end], s.count[i:end], s.k[i:end])
		}
		i = end
	}
}

// hhKernel holds what the static HH kernels need: leak and drive of step t
// for neuron j of a sample are leak[t·stride + j] and drive[t·stride + j].
// The kernels run a stretch of neurons j0, j0+1, … of one sample.
type hhKernel[F Float] struct {
	dt, th      F
	sg          Surrogate[F]
	steps       int
	stride      int
	detach      bool
	leak, drive []F
}

// generic writes spike counts and d(count)/d(input) of the stretch.
func (k *hhKernel[F]) generic(j0 int, in, cnt, sens []F) {
	for jj, x := range in {
		// v: membrane; dv: its derivative by x.
		var v, dv, c, kk F
		for t := 0; t < k.steps; t++ {
			L := k.leak[t*k.stride+j0+jj]
			v = v*L + k.dt*x + k.drive[t*k.stride+j0+jj]
			if k.detach {
				dv = dv + k.dt
			} else {
				dv = dv*L + k.dt
			}
			c += spikeOf(k.sg, v-k.th)
			kk += gradOf(k.sg, v-k.th) * dv
		}
		cnt[jj], sens[jj] = c, kk
	}
}

// hhStatic32Scalar is generic for float32 with the rectangular surrogate,
// with sign-bit spikes and windows.
func hhStatic32Scalar(k *hhKernel[float32], j0 int, in, cnt, sens []float32) {
	lens := k.sg.Lens
	for jj, x := range in {
		var v, dv, c, kk float32
		for t := 0; t < k.steps; t++ {
			L := k.leak[t*k.stride+j0+jj]
			v = v*L + k.dt*x + k.drive[t*k.stride+j0+jj]
			if k.detach {
				dv = dv + k.dt
			} else {
				dv = dv*L + k.dt
			}
			c += above(v, k.th)
			kk += within(v-k.th, lens) * dv
		}
		cnt[jj], sens[jj] = c, kk
	}
}

// ---------------------------------------------------------------- s-LIF2HH

// slifStatic is one static s-LIF2HH pass.
type slifStatic[F Float] struct {
	l                   *SLIF2HH[F]
	w                   int // units per sample
	in, count, dIn, dCt []F
	backward            bool
	partial             [][4]float64 // mixing gradient of each block, summed in block order
}

// ForwardStatic runs the layer's steps (set by Reset, size = batch·w
// units) on constant inputs and overwrites count with the spike counts.
// in is laid out [batch][3][w] (the three inputs of unit j of sample b at
// b·3w + k·w + j) and count [batch][4][w]. in must stay unchanged until
// BackwardStatic.
func (l *SLIF2HH[F]) ForwardStatic(p *tensor.Pool, count, in []F, w int) {
	if w <= 0 || l.size%w != 0 {
		panic("nn: SLIF2HH.ForwardStatic units per sample do not divide the layer")
	}
	checkStatic(l.steps, min(len(in)/3, len(count)/4), l.size)
	l.static = slifStatic[F]{l: l, w: w, in: in, count: count, partial: l.static.partial}
	p.Run(&l.static, l.size, staticBlock)
}

// BackwardStatic overwrites dIn ([batch][3][w]) with the gradient of the
// inputs given dCount ([batch][4][w]) and adds the mixing gradient into
// Mix.Grad.
func (l *SLIF2HH[F]) BackwardStatic(p *tensor.Pool, dIn, dCount []F) {
	s := &l.static
	checkStatic(l.steps, min(len(dIn)/3, len(dCount)/4), l.size)
	blocks := (l.size + staticBlock - 1) / staticBlock
	if cap(s.partial) < blocks {
		s.partial = make([][4]float64, blocks)
	}
	s.partial = s.partial[:blocks]
	s.dIn, s.dCt, s.backward = dIn, dCount, true
	p.Run(s, l.size, staticBlock)
	var sum [4]float64
	for _, b := range s.partial {
		for q := range sum {
			sum[q] += b[q]
		}
	}
	for q := range sum {
		l.Mix.Grad[q] += F(sum[q])
	}
	*s = slifStatic[F]{partial: s.partial}
}

// Range runs units [lo, hi), one stretch per sample.
func (s *slifStatic[F]) Range(lo, hi int) {
	w := s.w
	var part [4]float64
	for u := lo; u < hi; {
		b, j0 := u/w, u%w
		end := min(hi, u+w-j0)
		if s.backward {
			s.backwardStretch(u, end, b, j0, &part)
		} else {
			s.forwardStretch(u, end, b, j0)
		}
		u = end
	}
	if s.backward {
		s.partial[lo/staticBlock] = part
	}
}

func (s *slifStatic[F]) forwardStretch(u0, u1, b, j0 int) {
	l, w := s.l, s.w
	if isFast32(l.Surrogate) {
		if i := slifForward32(any(s).(*slifStatic[float32]), u0, u1, b, j0); i > 0 {
			u0, j0 = u0+i, j0+i
		}
	}
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	w0, w1, w2, bias := l.Mix.Value[0], l.Mix.Value[1], l.Mix.Value[2], l.Mix.Value[3]
	for u := u0; u < u1; u++ {
		j := j0 + u - u0
		var x [3]F
		for k := range x {
			x[k] = s.in[b*3*w+k*w+j]
		}
		var m, sp, c [4]F
		for t := 0; t < l.steps; t++ {
			p0, p1, p2 := m[0], m[1], m[2]
			for k := 0; k < 3; k++ {
				m[k] = d*m[k]*(1-sp[k]) + x[k]
			}
			m[3] = d*m[3]*(1-sp[3]) + w0*p0 + w1*p1 + w2*p2 + bias
			for q := 0; q < 4; q++ {
				l.mem[q][t][u] = m[q]
				sp[q] = spikeOf(sg, m[q]-th)
				c[q] += sp[q]
			}
		}
		for q := 0; q < 4; q++ {
			s.count[b*4*w+q*w+j] = c[q]
		}
	}
}

func (s *slifStatic[F]) backwardStretch(u0, u1, b, j0 int, part *[4]float64) {
	l, w := s.l, s.w
	if isFast32(l.Surrogate) {
		if i := slifBackward32(any(s).(*slifStatic[float32]), u0, u1, b, j0, part); i > 0 {
			u0, j0 = u0+i, j0+i
		}
	}
	d, th, sg := l.Decay, l.Theta, l.Surrogate
	mix := l.Mix.Value
	for u := u0; u < u1; u++ {
		j := j0 + u - u0
		var g [4]F
		for q := range g {
			g[q] = s.dCt[b*4*w+q*w+j]
		}
		// cMem, cSpk: gradient of step t's membranes and spikes carried from t+1.
		var cMem, cSpk [4]F
		var dIn [3]F
		for t := l.steps - 1; t >= 0; t-- {
			var dm [4]F
			for q := 0; q < 4; q++ {
				dm[q] = cMem[q] + (g[q]+cSpk[q])*gradOf(sg, l.mem[q][t][u]-th)
			}
			for k := 0; k < 3; k++ {
				dIn[k] += dm[k]
			}
			part[3] += float64(dm[3])
			if t == 0 {
				break
			}
			var pm [4]F
			for q := range pm {
				pm[q] = l.mem[q][t-1][u]
			}
			for k := 0; k < 3; k++ {
				part[k] += float64(dm[3] * pm[k])
			}
			for q := 0; q < 4; q++ {
				cMem[q] = dm[q] * d * (1 - spikeOf(sg, pm[q]-th))
				if q < 3 {
					cMem[q] += dm[3] * mix[q]
				}
				cSpk[q] = -dm[q] * d * pm[q]
			}
		}
		for k := 0; k < 3; k++ {
			s.dIn[b*3*w+k*w+j] = dIn[k]
		}
	}
}
