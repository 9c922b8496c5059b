package nn

// This file holds what every unit's forms share: the spike and surrogate
// functions, their branch-free float32 forms, and buffer helpers.

import (
	"math"
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

// The float32 kernels of the units (lifStatic32, hhStatic32, lifStep32,
// …) run package internal/kernels on the leading multiple of eight of a
// slice — AVX2 assembly on amd64, the same operations in the same order
// lane by lane; Go loops under purego and off amd64 — and the scalar code
// on the rest.

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
