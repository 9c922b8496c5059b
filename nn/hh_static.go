package nn

import (
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

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
		s.kern.run(j0, s.in[i:end], s.count[i:end], s.k[i:end])
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

// generic writes spike counts and d(count)/d(input) of the stretch. The
// float32 kernel (kernels.HHStatic) gives its bits with the rectangular
// surrogate.
func (k *hhKernel[F]) generic(j0 int, in, cnt, sens []F) {
	cnt, sens = cnt[:len(in)], sens[:len(in)]
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

// run writes the stretch's spike counts and sensitivities: the float32
// kernel on the leading multiple of eight (the rectangular surrogate), the
// generic code on the rest.
func (k *hhKernel[F]) run(j0 int, in, cnt, sens []F) {
	if isFast32(k.sg) {
		if i := vectorPart(len(in)); i > 0 {
			cnt, sens = cnt[:len(in)], sens[:len(in)]
			// The last step's rows must hold the block's neurons.
			last := (k.steps-1)*k.stride + j0 + i
			if k.steps > 0 && (len(k.leak) < last || len(k.drive) < last) {
				panic("nn: HH leak and drive tables shorter than the steps")
			}
			kernels.HHStatic(float32(k.dt), float32(k.th), float32(k.sg.Lens), k.detach, k.steps, k.stride,
				any(&k.leak[j0]).(*float32), any(&k.drive[j0]).(*float32),
				any(&in[0]).(*float32), any(&cnt[0]).(*float32), any(&sens[0]).(*float32), i)
			j0, in, cnt, sens = j0+i, in[i:], cnt[i:], sens[i:]
		}
	}
	k.generic(j0, in, cnt, sens)
}
