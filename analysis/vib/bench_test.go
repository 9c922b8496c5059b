package vib

import (
	"context"
	"testing"

	"github.com/hhnet/hhnet/dataset"
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

// BenchmarkEvaluate is one test-set measurement of the LIF encoder's
// bottleneck (1 024 samples in batches of 128, twelve draws of z each)
// with the moving-average weights.
func BenchmarkEvaluate(b *testing.B) {
	test := fakeMulti(1024, 1)
	tr, err := newTrainer(Config{Encoder: "LIF", Beta: 1e-3}, 0, test)
	if err != nil {
		b.Fatal(err)
	}
	defer tr.close()
	batches, err := dataset.NewBatches(test, 128, 0, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.evaluate(context.Background(), batches, 0); err != nil {
			b.Fatal(err)
		}
	}
}
