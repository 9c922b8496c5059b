package vib

import (
	"testing"

	"github.com/hhnet/hhnet/internal/imagelike"
)

// BenchmarkStep is one training step of each encoder's bottleneck (batch
// 128, forward, backward, Adam and the moving average) on image-like
// inputs; compare with train's BenchmarkTrainStep/LIF_fc.
func BenchmarkStep(b *testing.B) {
	for _, name := range EncoderNames() {
		b.Run(name, func(b *testing.B) {
			tr, err := newTrainer(Config{Encoder: name, Beta: 1e-3}, 0, fakeMulti(4, 1))
			if err != nil {
				b.Fatal(err)
			}
			defer tr.close()
			x, labels := imagelike.Batch(128)
			tr.step(x, labels, 128, 0, 0, 1e-4)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tr.step(x, labels, 128, 0, i, 1e-4)
			}
		})
	}
}
