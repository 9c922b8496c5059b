//go:build amd64 && !purego

package kernels

import (
	"fmt"
	"os"

	"golang.org/x/sys/cpu"
)

// The assembly needs AVX2 and FMA (x86-64-v3: Intel since 2013, AMD since
// 2015). Like a Go binary built with GOAMD64=v3 on an older CPU, a program
// using it stops at start-up with a message rather than dying later on an
// illegal instruction.
func init() {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		fmt.Fprintln(os.Stderr, "hhnet: this CPU lacks AVX2 or FMA, which this build's kernels use; rebuild with -tags purego")
		os.Exit(2)
	}
}

// TileCols is the width of the widest product tile this CPU runs: 32
// (GemmTile32) where it has AVX-512F, else 16 (GemmTile). Both give the
// same bits.
func TileCols() int {
	if cpu.X86.HasAVX512F {
		return 32
	}
	return 16
}
