package train

import (
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/models"
)

// benchBatch is 128 images shaped like Multi-(Fashion+MNIST) ones: about a
// third of the pixels lit.
func benchBatch() ([]float32, []int32) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 128*1296)
	for i := range x {
		if rng.Float64() < 0.35 {
			x[i] = rng.Float32()
		}
	}
	labels := make([]int32, 256)
	for i := range labels {
		labels[i] = int32(rng.IntN(10))
	}
	return x, labels
}

// BenchmarkTrainStep times one training step (forward, backward through
// time, Adam) of every model at batch 128 and the published T.
func BenchmarkTrainStep(b *testing.B) {
	x, labels := benchBatch()
	for _, name := range models.Names() {
		b.Run(name, func(b *testing.B) {
			s, err := NewStepper(name, 1)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.Step(x, labels, 128, 1e-4) // warm-up sizes the buffers
			b.ReportAllocs()
			for b.Loop() {
				s.Step(x, labels, 128, 1e-4)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
		})
	}
}
