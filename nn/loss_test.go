package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSoftmaxCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	const batch = 4
	logits := randVec(rng, batch*10, -3, 3)
	labels := []int32{3, 0, 9, 9, 1, 5, 7, 2}
	d := make([]float64, batch*10)
	loss, _ := SoftmaxCrossEntropy(d, logits, labels, 2, batch, 10)
	checkGrad(t, "cross-entropy", func(z []float64) float64 {
		l, _ := SoftmaxCrossEntropy[float64](nil, z, labels, 2, batch, 10)
		return l
	}, logits, d)
	// Uniform logits: the loss is ln 10 and nothing is "correct" unless the label is class 0.
	u := make([]float64, 10)
	l, correct := SoftmaxCrossEntropy[float64](nil, u, []int32{4}, 1, 1, 10)
	if math.Abs(l-math.Log(10)) > 1e-15 || correct != 0 {
		t.Errorf("uniform logits: loss %v correct %d, want ln 10 and 0", l, correct)
	}
	if loss <= 0 {
		t.Errorf("loss %v", loss)
	}
}
