package nn

import (
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

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

// slifMaxSteps bounds the steps the static s-LIF2HH kernels keep on the
// stack; longer sequences take the generic code.
const slifMaxSteps = 32

// slifForward32 runs the static s-LIF2HH forward pass in assembly for
// units u0, u0+8, … of sample b (unit j0 first), the generic code's
// operations in the same order lane by lane, and returns how many units it
// did. It stores no membranes: slifBackward32 recomputes them, which is
// cheaper here than writing and reading T·4 membranes per unit (measured).
func slifForward32(s *slifStatic[float32], u0, u1, b, j0 int) int {
	if s.l.steps > slifMaxSteps {
		return 0
	}
	n := vectorPart(u1 - u0)
	for i := 0; i < n; i += 8 {
		p := slifRows(s, b, j0+i)
		kernels.SLIFUnits(s.l.Decay, s.l.Theta, (*[4]float32)(s.l.Mix.Value), s.l.steps, &p, nil)
	}
	return n
}

// slifRows is the addresses of the three inputs and four counts of the
// eight units from unit j of sample b.
func slifRows(s *slifStatic[float32], b, j int) [7]uintptr {
	w := s.w
	var p [7]uintptr
	for k := range 3 {
		p[k] = addr(s.in[b*3*w+k*w+j:][:8])
	}
	for k := range 4 {
		p[3+k] = addr(s.count[b*4*w+k*w+j:][:8])
	}
	return p
}

// slifBackward32 is the static s-LIF2HH backward pass for the units
// slifForward32 did. The input gradients are the generic code's bits; the
// mixing gradient is summed in float32 lanes, then added to part (float64)
// eight units at a time, so its last bits differ from the generic sum's.
//
// Sub-neuron 4 feeds the other three only through its membrane gradient
// dm₄(t), so it runs first, keeping dm₄ for every step, and then each of
// sub-neurons 1–3 runs on its own: few live vectors, the same operations
// in the same order as the generic code.
func slifBackward32(s *slifStatic[float32], u0, u1, b, j0 int, part *[4]float64) int {
	l := s.l
	if l.steps > slifMaxSteps {
		return 0
	}
	w := s.w
	var hist [slifMaxSteps][4][8]float32
	var dm3s [slifMaxSteps][8]float32
	var lanes [4][8]float32
	mix := (*[4]float32)(l.Mix.Value)
	n := vectorPart(u1 - u0)
	for i := 0; i < n; i += 8 {
		j := j0 + i
		p := slifRows(s, b, j)
		kernels.SLIFUnits(l.Decay, l.Theta, mix, l.steps, &p, &hist[0][0][0])
		g := s.dCt[b*4*w+3*w+j:][:8]
		kernels.SLIFBackSub(l.Decay, l.Theta, l.Surrogate.Lens, 0, 3, l.steps, &hist[0][0][0], &dm3s[0][0], &g[0], &lanes[3][0], &lanes[3][0])
		for k := range 3 {
			g, dIn := s.dCt[b*4*w+k*w+j:][:8], s.dIn[b*3*w+k*w+j:][:8]
			kernels.SLIFBackSub(l.Decay, l.Theta, l.Surrogate.Lens, l.Mix.Value[k], k, l.steps, &hist[0][0][0], &dm3s[0][0], &g[0], &dIn[0], &lanes[k][0])
		}
		for q := range lanes {
			var sum float64
			for _, v := range lanes[q] {
				sum += float64(v)
			}
			part[q] += sum
		}
	}
	return n
}
