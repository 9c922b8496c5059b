// Package kernels holds the AVX2 assembly behind tensor.Stencil and
// tensor.Gather. It is a package of its own because a package that uses
// cgo (tensor, under the openblas tag) cannot hold Go assembly. The
// functions index without bounds checks: call them through package tensor,
// which checks every row first.
//
// The assembly is generated: go generate runs gen_asm.py.
package kernels

//go:generate python3 gen_asm.py
