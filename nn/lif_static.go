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
	in, count, k := s.in[lo:hi], s.count[lo:hi], s.k[lo:hi]
	if isFast32(l.Surrogate) {
		if i := vectorPart(len(in)); i > 0 {
			count, k = count[:len(in)], k[:len(in)]
			kernels.LIFStatic(float32(l.Decay), float32(l.Theta), float32(l.Surrogate.Lens), l.steps,
				any(&in[0]).(*float32), any(&count[0]).(*float32), any(&k[0]).(*float32), i)
			in, count, k = in[i:], count[i:], k[i:]
		}
	}
	lifStaticGeneric(l.Decay, l.Theta, l.Surrogate, l.steps, in, count, k)
}

// lifStaticGeneric runs steps steps of LIF neurons on constant inputs in,
// writing spike counts to cnt and d(count)/d(input) to k. The float32
// kernel (kernels.LIFStatic) gives its bits with the rectangular surrogate.
func lifStaticGeneric[F Float](d, th F, sg Surrogate[F], steps int, in, cnt, k []F) {
	cnt, k = cnt[:len(in)], k[:len(in)]
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
