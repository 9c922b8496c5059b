// Package kernels holds the AVX2/FMA assembly behind package tensor's
// convolution kernels (Stencil, Gather, Correlate, Plane, PlaneGrad,
// PlaneSum, PadPlanes), package nn's float32 kernels (static, per-step
// and pooled LIF, HH and binary units; Adam) and package neuron's fast HH
// population step (HHFastStep). It is a package of its own
// because a package that uses cgo (tensor, under the openblas tag) cannot
// hold Go assembly. The functions index without bounds checks: call them
// through tensor and nn, which check every row first. Has reports whether
// the CPU runs them; under the purego tag and off amd64 the stubs in
// kernels_other.go panic, and the callers use their Go loops.
//
// The assembly is generated: go generate runs the avo program in _asm,
// which writes every kernel (kernels_amd64.s) and its Go declaration
// (stubs_amd64.go).
package kernels

//go:generate go run -C _asm . -out ../kernels_amd64.s -stubs ../stubs_amd64.go -pkg kernels
