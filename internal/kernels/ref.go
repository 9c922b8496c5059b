//go:build !amd64 || purego

package kernels

import "unsafe"

// The Go loops below stand in for the assembly under the purego tag and
// off amd64, under the same names and with the same contracts: the callers
// (packages tensor, nn and neuron) check every row first and call them
// without a branch. Their sums may round differently from the assembly's
// where the assembly fuses a multiply-add or keeps sums in registers.

// row is the n values from p + i elements on.
func row(p *float32, i, n int) []float32 {
	return unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(p), 4*i)), n)
}

// ints is the n values from p on.
func ints(p *int32, n int) []int32 { return unsafe.Slice(p, n) }

// rows are the n rows of a table of row addresses.
func rows(p *uintptr, n int) []uintptr { return unsafe.Slice(p, n) }

// at is the row of n values at address a, which the caller keeps alive.
// The address is read back as the pointer it was taken from.
func at(a uintptr, n int) []float32 { return unsafe.Slice(*(**float32)(unsafe.Pointer(&a)), n) }
