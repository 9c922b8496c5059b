//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// Has tells whether the CPU runs the kernels (AVX2 and FMA).
func Has() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// PooledLIFForwardAVX2 runs one pooled row of package nn's Pooled LIF
// forward; out holds the steps' pointers to the pooled row.
//
//go:noescape
func PooledLIFForwardAVX2(d, th float32, steps int, in0, in1 *float32, half int, out *uintptr)

// PooledLIFBackwardAVX2 runs one pooled row of the Pooled LIF backward
// (forward replay with ∂m/∂x); dp holds the steps' pointers to the pooled
// gradients' row.
//
//go:noescape
func PooledLIFBackwardAVX2(d, th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr)

// PooledStepForwardAVX2 runs one pooled row of the Pooled binary unit.
//
//go:noescape
func PooledStepForwardAVX2(th float32, steps int, in0, in1 *float32, half int, out *uintptr)

// PooledStepBackwardAVX2 runs one pooled row of the Pooled binary unit's
// backward.
//
//go:noescape
func PooledStepBackwardAVX2(th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr)

// PooledHHForwardAVX2 runs one pooled row of package nn's Pooled HH
// forward; leak and drive are the [t][parity][half] tables.
//
//go:noescape
func PooledHHForwardAVX2(dt, th float32, steps int, in0, in1 *float32, half int, leak, drive *float32, out *uintptr)

// PooledHHBackwardAVX2 runs one pooled row of the Pooled HH backward.
//
//go:noescape
func PooledHHBackwardAVX2(dt, th, lens float32, detach bool, steps int, in0, in1, dIn0, dIn1 *float32, half int, leak, drive *float32, dp *uintptr)

// PooledSLIFBackwardAVX2 runs one pooled row of package nn's Pooled
// s-LIF2HH backward; mix holds w₁, w₂, w₃, b; mixOut receives 32 sums per
// chain (see the assembly).
//
//go:noescape
func PooledSLIFBackwardAVX2(d, th, lens float32, steps int, mix *[4]float32, in0, dIn0 *float32, size, side, half int, dp *uintptr, mixOut *float32)

// PooledSLIFForwardAVX2 runs one pooled row of package nn's Pooled
// s-LIF2HH forward; mix holds w₁, w₂, w₃, b.
//
//go:noescape
func PooledSLIFForwardAVX2(d, th float32, steps int, mix *[4]float32, in0 *float32, size, side, half int, out *uintptr)

// SLIFStepForwardAVX2 is package nn's per-step s-LIF2HH forward for n
// units, n a multiple of 8; p holds the rows' addresses (see the assembly).
//
//go:noescape
func SLIFStepForwardAVX2(d, th float32, mix *[4]float32, p *[15]uintptr, first bool, n int)

// SLIFStepBackwardAVX2 is package nn's per-step s-LIF2HH backward for n
// units, n a multiple of 8; p holds the rows' addresses and acc receives
// the mixing gradient's eight lane sums per weight (see the assembly).
//
//go:noescape
func SLIFStepBackwardAVX2(d, th, lens float32, mix *[4]float32, p *[15]uintptr, notLast bool, n int, acc *[32]float32)

// SLIFUnitsAVX2 is package nn's static s-LIF2HH forward for eight units
// (see the assembly).
//
//go:noescape
func SLIFUnitsAVX2(d, th float32, mix *[4]float32, steps int, p *[7]uintptr, hist *float32)

// SLIFBackSubAVX2 walks one sub-neuron of eight static s-LIF2HH units back
// through time (see the assembly).
//
//go:noescape
func SLIFBackSubAVX2(d, th, lens, wk float32, k, steps int, hist, dm3s, dCount, dIn, dw *float32)
