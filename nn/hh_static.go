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

// hhStatic32 is the float32 static HH kernel (hhStatic32Scalar) for the
// neurons from j0 of one sample.
func hhStatic32(k *hhKernel[float32], j0 int, in, cnt, sens []float32) {
	cnt, sens = cnt[:len(in)], sens[:len(in)]
	i := vectorPart(len(in))
	if i > 0 {
		// The last step's rows must hold the block's neurons.
		last := (k.steps-1)*k.stride + j0 + i
		if k.steps > 0 && (len(k.leak) < last || len(k.drive) < last) {
			panic("nn: HH leak and drive tables shorter than the steps")
		}
		kernels.HHStatic(k.dt, k.th, k.sg.Lens, k.detach, k.steps, k.stride,
			&k.leak[j0], &k.drive[j0], &in[0], &cnt[0], &sens[0], i)
	}
	if i < len(in) {
		hhStatic32Scalar(k, j0+i, in[i:], cnt[i:], sens[i:])
	}
}
