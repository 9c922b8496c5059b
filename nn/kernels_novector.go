//go:build !(goexperiment.simd && amd64)

package nn

// lifStatic32 is the float32 static LIF kernel; this build has only the
// scalar one.
func lifStatic32(d, th, lens float32, steps int, in, cnt, k []float32) {
	lifStatic32Scalar(d, th, lens, steps, in, cnt, k)
}

// hhStatic32 is the float32 static HH kernel; this build has only the
// scalar one.
func hhStatic32(k *hhKernel[float32], j0 int, in, cnt, sens []float32) {
	hhStatic32Scalar(k, j0, in, cnt, sens)
}
