package analysis

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/dataset"
)

func TestMeasure(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	n := 200
	data := &dataset.Multi{N: n, Images: make([]byte, n*dataset.Pixels), Labels: make([]byte, 2*n)}
	for i := range data.Images {
		if rng.IntN(3) == 0 {
			data.Images[i] = byte(rng.IntN(256))
		}
	}
	m, err := Measure("LIF_fc", data, 2)
	if err != nil {
		t.Fatal(err)
	}
	// The times are only checked to be measured: their order is not
	// guaranteed on a loaded machine (CI once timed inference slower).
	if m.SpikesPerSample <= 0 || m.SynOps != 50*m.SpikesPerSample || m.TrainMsPerSample <= 0 ||
		m.InferMsPerSample <= 0 || m.StepMemoryBytes < 4*690734 {
		t.Errorf("implausible measurement %+v", m)
	}
	if _, err := Measure("GRU", data, 1); err == nil || !strings.Contains(err.Error(), "unknown model") {
		t.Errorf("unknown model: %v", err)
	}
}
