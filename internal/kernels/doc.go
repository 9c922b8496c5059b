// Package kernels holds the AVX2/FMA assembly behind package tensor's
// convolution kernels (Stencil, Gather, Correlate, Plane, PlaneGrad,
// PlaneSum, PadPlanes), package nn's float32 kernels (static, per-step
// and pooled LIF, HH and binary units; Adam) and package neuron's fast HH
// population step (HHFastStep). It is a package of its own because a
// package that uses cgo (tensor, under the openblas tag) cannot hold Go
// assembly. The functions index without bounds checks: call them through
// tensor, nn and neuron, which check every row first.
//
// Under the purego tag and off amd64, Go loops (ref_*.go) stand in for the
// assembly under the same names and contracts, as in gonum's internal/asm:
// callers never branch on the build. The amd64 assembly needs AVX2 and FMA;
// on a CPU without them a program stops at start-up with a message (build
// it with -tags purego there).
//
// The assembly is generated: go generate runs the avo program in _asm,
// which writes every kernel (kernels_amd64.s) and its Go declaration
// (stubs_amd64.go).
package kernels

//go:generate go run -C _asm . -out ../kernels_amd64.s -stubs ../stubs_amd64.go -pkg kernels
