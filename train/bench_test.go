package train

import (
	"testing"

	"github.com/hhnet/hhnet/internal/imagelike"
	"github.com/hhnet/hhnet/models"
)

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

// benchBatch is 128 images shaped like Multi-(Fashion+MNIST) ones.
func benchBatch() ([]float32, []int32) { return imagelike.Batch(128) }
