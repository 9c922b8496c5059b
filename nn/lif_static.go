package nn

import (
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

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

// lifStatic32 is the float32 static LIF kernel (lifStatic32Scalar).
func lifStatic32(d, th, lens float32, steps int, in, cnt, k []float32) {
	cnt, k = cnt[:len(in)], k[:len(in)]
	i := vectorPart(len(in))
	if i > 0 {
		kernels.LIFStatic(d, th, lens, steps, &in[0], &cnt[0], &k[0], i)
	}
	if i < len(in) {
		lifStatic32Scalar(d, th, lens, steps, in[i:], cnt[i:], k[i:])
	}
}
