// Package kernels holds the AVX2/FMA assembly behind package tensor's
// convolution kernels (Stencil, Gather, Correlate, Plane, PlaneGrad,
// PlaneSum, PadPlanes) and package nn's float32 kernels (static, per-step
// and pooled LIF, HH and binary units; Adam). It is a package of its own
// because a package that uses cgo (tensor, under the openblas tag) cannot
// hold Go assembly. The functions index without bounds checks: call them
// through tensor and nn, which check every row first. Has reports whether
// the CPU runs them; under the purego tag and off amd64 the stubs in
// kernels_other.go panic, and the callers use their Go loops.
//
// The assembly is generated: go generate runs the avo program in _asm,
// which writes most kernels (kernels_amd64.s) and their Go declarations
// (stubs_amd64.go), and gen_asm.py, which still writes the pooled and the
// s-LIF2HH kernels (pooled_amd64.s, units_amd64.s) declared in
// kernels_amd64.go.
package kernels

//go:generate go run -C _asm . -out ../kernels_amd64.s -stubs ../stubs_amd64.go -pkg kernels
//go:generate python3 gen_asm.py
