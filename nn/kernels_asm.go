package nn

import (
	"unsafe"

	"github.com/hhnet/hhnet/internal/kernels"
)

// The float32 kernels below run in AVX2 assembly (package
// internal/kernels) on every amd64 build, the scalar code's operations in
// the same order lane by lane, and the scalar code on the rest of a slice
// that is not a multiple of eight long, under purego, and off amd64.

// vectorPart is the length of the leading multiple of eight of n values
// that the assembly kernels take (0 where they cannot run).
func vectorPart(n int) int {
	if !kernels.Has() {
		return 0
	}
	return n &^ 7
}

// lifStatic32 is the float32 static LIF kernel (lifStatic32Scalar).
func lifStatic32(d, th, lens float32, steps int, in, cnt, k []float32) {
	cnt, k = cnt[:len(in)], k[:len(in)]
	i := vectorPart(len(in))
	if i > 0 {
		kernels.LIFStaticAVX2(d, th, lens, steps, &in[0], &cnt[0], &k[0], i)
	}
	if i < len(in) {
		lifStatic32Scalar(d, th, lens, steps, in[i:], cnt[i:], k[i:])
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
		kernels.HHStaticAVX2(k.dt, k.th, k.sg.Lens, k.detach, k.steps, k.stride,
			&k.leak[j0], &k.drive[j0], &in[0], &cnt[0], &sens[0], i)
	}
	if i < len(in) {
		hhStatic32Scalar(k, j0+i, in[i:], cnt[i:], sens[i:])
	}
}

// lifStep32 is one float32 LIF step forward (lifStep32Scalar).
func lifStep32(d, th float32, prevMem, in, mem, spk []float32) {
	prevMem, in, spk = prevMem[:len(mem)], in[:len(mem)], spk[:len(mem)]
	i := vectorPart(len(mem))
	if i > 0 {
		kernels.LIFStepAVX2(d, th, &prevMem[0], &in[0], &mem[0], &spk[0], i)
	}
	if i < len(mem) {
		lifStep32Scalar(d, th, prevMem[i:], in[i:], mem[i:], spk[i:])
	}
}

// lifBack32 is one float32 LIF step backwards (lifBack32Scalar).
func lifBack32(d, th, lens float32, mem, next, dSpk, dIn []float32) {
	next, dSpk, dIn = next[:len(mem)], dSpk[:len(mem)], dIn[:len(mem)]
	i := vectorPart(len(mem))
	if i > 0 {
		kernels.LIFBackAVX2(d, th, lens, &mem[0], &next[0], &dSpk[0], &dIn[0], i)
	}
	if i < len(mem) {
		lifBack32Scalar(d, th, lens, mem[i:], next[i:], dSpk[i:], dIn[i:])
	}
}

// hhRowForward32 runs the per-step HH forward for the leading multiple of
// eight neurons of a row and returns how many it did (0 where the
// assembly cannot run; the caller does the rest).
func hhRowForward32(dt, th float32, leak, drive, prev, in, v, spk []float32) int {
	i := vectorPart(len(v))
	if i == 0 {
		return 0
	}
	leak, drive, prev, in, spk = leak[:i], drive[:i], prev[:i], in[:i], spk[:i]
	kernels.HHRowForwardAVX2(dt, th, &leak[0], &drive[0], &prev[0], &in[0], &v[0], &spk[0], i)
	return i
}

// hhRowBackward32 is hhRowForward32 for the backward loop (leak nil: the
// currents detached).
func hhRowBackward32(dt, th, lens float32, leak, v, cV, dIn, dSp []float32) int {
	i := vectorPart(len(v))
	if i == 0 {
		return 0
	}
	cV, dIn, dSp = cV[:i], dIn[:i], dSp[:i]
	keep := &v[0] // never read when detached
	if leak != nil {
		keep = &leak[:i][0]
	}
	kernels.HHRowBackwardAVX2(dt, th, lens, leak != nil, keep, &v[0], &cV[0], &dIn[0], &dSp[0], i)
	return i
}

// adam32 is the float32 Adam update (adamKernel.update).
func adam32(k *adamKernel[float32], val, grad, m, v []float32) {
	grad, m, v = grad[:len(val)], m[:len(val)], v[:len(val)]
	i := vectorPart(len(val))
	if i > 0 {
		c := [8]float32{k.b1, k.b2, k.wd, 1 - k.b1, 1 - k.b2, k.stepSize, k.sqrtBC2, k.eps}
		kernels.AdamAVX2(&val[0], &grad[0], &m[0], &v[0], i, &c)
	}
	if i < len(val) {
		k.update(val[i:], grad[i:], m[i:], v[i:])
	}
}

// stepForward32 is the binary unit's float32 forward (stepForward32Scalar).
func stepForward32(th float32, out, x []float32) {
	out = out[:len(x)]
	i := vectorPart(len(x))
	if i > 0 {
		kernels.StepForwardAVX2(th, &out[0], &x[0], i)
	}
	if i < len(x) {
		stepForward32Scalar(th, out[i:], x[i:])
	}
}

// stepBackward32 is the binary unit's float32 backward (stepBackward32Scalar).
func stepBackward32(th, lens float32, dx, dOut, x []float32) {
	dx, dOut = dx[:len(x)], dOut[:len(x)]
	i := vectorPart(len(x))
	if i > 0 {
		kernels.StepBackwardAVX2(th, lens, &dx[0], &dOut[0], &x[0], i)
	}
	if i < len(x) {
		stepBackward32Scalar(th, lens, dx[i:], dOut[i:], x[i:])
	}
}

// pooledRowAsm runs pooled row y of plane with the assembly kernels and
// reports whether it did (not for rows shorter than a vector, too many
// steps, or s-LIF2HH rows of more than slifAsmBlocks blocks); mix receives
// the s-LIF2HH mixing gradient.
func pooledRowAsm(k *pooledKernel, plane, y int, back bool, mix *[4]float64) bool {
	half := k.side / 2
	if !kernels.Has() || half < 8 || k.steps > pooledMaxSteps || k.slif && half > 8*slifAsmBlocks {
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
		kernels.PooledSLIFForwardAVX2(k.d, k.th, k.steps, &w, &k.in[in0 : in0+2*k.size+2*k.side][0], k.size, k.side, half, &rows[0])
	case hh && back:
		kernels.PooledHHBackwardAVX2(k.dt, k.th, k.lens, k.detach, k.steps, x0, x1,
			&k.dIn[in0:][:k.side][0], &k.dIn[in1:][:k.side][0], half, &k.leakEO[0], &k.driveEO[0], &rows[0])
	case hh:
		kernels.PooledHHForwardAVX2(k.dt, k.th, k.steps, x0, x1, half, &k.leakEO[0], &k.driveEO[0], &rows[0])
	case k.lif && back:
		kernels.PooledLIFBackwardAVX2(k.d, k.th, k.lens, k.steps, x0, x1,
			&k.dIn[in0:][:k.side][0], &k.dIn[in1:][:k.side][0], half, &rows[0])
	case k.lif:
		kernels.PooledLIFForwardAVX2(k.d, k.th, k.steps, x0, x1, half, &rows[0])
	case back:
		kernels.PooledStepBackwardAVX2(k.th, k.lens, k.steps, x0, x1,
			&k.dIn[in0:][:k.side][0], &k.dIn[in1:][:k.side][0], half, &rows[0])
	default:
		kernels.PooledStepForwardAVX2(k.th, k.steps, x0, x1, half, &rows[0])
	}
	return true
}

// slifAsmBlocks bounds the blocks of a row the s-LIF2HH kernel's mixing
// sums are kept for (on the stack); longer rows take the Go code.
const slifAsmBlocks = 16

// pooledSLIFRowAsm runs the s-LIF2HH backward of a pooled row (map rows
// from in0 on) and adds the row's mixing gradient to mix: each unit's
// float32 sum, in block, row, column-parity and lane order, a unit of an
// overlapping last block counted once — the Go code's order.
func pooledSLIFRowAsm(k *pooledKernel, in0, half int, dp *[pooledMaxSteps]uintptr, mix *[4]float64) {
	var sums [slifAsmBlocks * 4 * 32]float32
	last := in0 + 2*k.size + 2*k.side // one past the row pair's last input, channel 2
	w := k.mix
	kernels.PooledSLIFBackwardAVX2(k.d, k.th, k.lens, k.steps, &w, &k.in[in0:last][0], &k.dIn[in0:last][0],
		k.size, k.side, half, &dp[0], &sums[0])
	chain := 0
	for end := 0; end < half; end += 8 {
		x0 := min(end, half-8)
		for range 4 { // map rows 2y, 2y+1; even and odd columns
			s := sums[32*chain:][:32]
			for q := range 4 {
				for j, v := range s[8*q : 8*q+8] {
					if x0+j >= end {
						mix[q] += float64(v)
					}
				}
			}
			chain++
		}
	}
}

// slifStepForward32 runs step t of the per-step s-LIF2HH for units
// [lo, hi) eight at a time in assembly, as forwardRange's fast path does
// lane by lane (previous spikes from the previous membranes); it returns
// how many units it did.
func slifStepForward32(l *SLIF2HH[float32], t int, in [3][]float32, lo, hi int) int {
	n := vectorPart(hi - lo)
	if n == 0 {
		return 0
	}
	var p [15]uintptr
	at := l.spkIndex(t)
	for k := range 4 {
		if t > 0 {
			p[k] = addr(l.mem[k][t-1][lo : lo+n])
		}
		if k < 3 {
			p[4+k] = addr(in[k][lo : lo+n])
		}
		p[7+k] = addr(l.mem[k][t][lo : lo+n])
		p[11+k] = addr(l.spk[k][at][lo : lo+n])
	}
	w := [4]float32(l.Mix.Value)
	kernels.SLIFStepForwardAVX2(l.Decay, l.Theta, &w, &p, t == 0, n)
	return n
}

// slifStepBackward32 runs step t of the per-step s-LIF2HH backwards for
// units [lo, hi) eight at a time in assembly, as backwardRange does lane
// by lane; it returns how many units it did and adds their mixing gradient
// into part (each lane's float32 sum, in lane order).
func slifStepBackward32(l *SLIF2HH[float32], t int, dIn [3][]float32, dSpk [4][]float32, lo, hi int, part *[4]float64) int {
	n := vectorPart(hi - lo)
	if n == 0 {
		return 0
	}
	var p [15]uintptr
	for k := range 4 {
		p[k] = addr(l.mem[k][t][lo : lo+n])
		p[4+k] = addr(l.dmNext[k][lo : lo+n])
		p[8+k] = addr(dSpk[k][lo : lo+n])
		if k < 3 {
			p[12+k] = addr(dIn[k][lo : lo+n])
		}
	}
	w := [4]float32(l.Mix.Value)
	var acc [32]float32
	kernels.SLIFStepBackwardAVX2(l.Decay, l.Theta, l.Surrogate.Lens, &w, &p, t < l.steps-1, n, &acc)
	for k := range 4 {
		for _, v := range acc[8*k : 8*k+8] {
			part[k] += float64(v)
		}
	}
	return n
}

// addr is the address of s's first value, for the kernels' tables of rows
// (s must stay referenced elsewhere while a kernel runs).
func addr(s []float32) uintptr { return uintptr(unsafe.Pointer(&s[0])) }

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
		kernels.SLIFUnitsAVX2(s.l.Decay, s.l.Theta, (*[4]float32)(s.l.Mix.Value), s.l.steps, &p, nil)
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
		kernels.SLIFUnitsAVX2(l.Decay, l.Theta, mix, l.steps, &p, &hist[0][0][0])
		g := s.dCt[b*4*w+3*w+j:][:8]
		kernels.SLIFBackSubAVX2(l.Decay, l.Theta, l.Surrogate.Lens, 0, 3, l.steps, &hist[0][0][0], &dm3s[0][0], &g[0], &lanes[3][0], &lanes[3][0])
		for k := range 3 {
			g, dIn := s.dCt[b*4*w+k*w+j:][:8], s.dIn[b*3*w+k*w+j:][:8]
			kernels.SLIFBackSubAVX2(l.Decay, l.Theta, l.Surrogate.Lens, l.Mix.Value[k], k, l.steps, &hist[0][0][0], &dm3s[0][0], &g[0], &dIn[0], &lanes[k][0])
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
