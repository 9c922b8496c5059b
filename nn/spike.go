package nn

// This file holds what every unit's forms share: the spike and surrogate
// functions, which float32 kernels take the leading multiple of eight of a
// slice, and buffer helpers.

import (
	"unsafe"
)

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

// isFast32 tells whether F is float32 and the surrogate rectangular: the
// training case, which runs the fast kernels.
func isFast32[F Float](sg Surrogate[F]) bool {
	var z F
	_, is32 := any(z).(float32)
	return is32 && sg.Smooth == 0
}

// In float32 with the rectangular surrogate the units run package
// internal/kernels on the leading multiple of eight of a slice (AVX2
// assembly on amd64 with the generic code's operations in the same order
// lane by lane, so the same bits; Go loops under purego and off amd64) and
// the generic code on the rest. The generic code is the reference: the
// tests hold every kernel to its bits.

// vectorPart is the length of the leading multiple of eight of n values,
// which the kernels take.
func vectorPart(n int) int { return n &^ 7 }

// addr is the address of s's first value, for the kernels' tables of rows
// (s must stay referenced elsewhere while a kernel runs).
func addr(s []float32) uintptr { return uintptr(unsafe.Pointer(&s[0])) }

func checkStep(t, steps, n, size int) {
	if t < 0 || t >= steps {
		panic("nn: step outside the sequence set by Reset")
	}
	if n < size {
		panic("nn: buffer shorter than the layer")
	}
}

// grow returns s with length n, reallocated only when too small.
func grow[F Float](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}

func growSteps[F Float](s [][]F, size, steps int) [][]F {
	for len(s) < steps {
		s = append(s, nil)
	}
	for t := range s {
		s[t] = grow(s[t], size)
	}
	return s[:steps]
}

// stepGrain is the number of neurons in a block of a per-step pass.
const stepGrain = 8192
