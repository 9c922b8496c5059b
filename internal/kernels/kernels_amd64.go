//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// Has tells whether the CPU runs the kernels (AVX2 and FMA).
func Has() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }
