//go:build !(goexperiment.simd && amd64)

package nn

// slifForward32 and slifBackward32 are vector kernels for the first
// multiple of eight units of a stretch; this build has none, so they do
// no units and the generic code does all.
func slifForward32(s *slifStatic[float32], u0, u1, b, j0 int) int { return 0 }

func slifBackward32(s *slifStatic[float32], u0, u1, b, j0 int, part *[4]float64) int { return 0 }
