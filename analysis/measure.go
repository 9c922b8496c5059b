package analysis

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/train"
)

// Measured is what running a model on this machine shows.
type Measured struct {
	// SynOps is synaptic operations per sample on the data: spikes the
	// first spiking layer emits × their fan-out (Arch.FanOut).
	SynOps float64 `json:"synops"`
	// SpikesPerSample is the mean number of first-layer spikes per image.
	SpikesPerSample float64 `json:"spikes_per_sample"`
	// Per sample, at batch 128: a training step (forward, backward, Adam)
	// and a forward pass, medians of Repeats.
	TrainMsPerSample float64 `json:"train_ms_per_sample"`
	InferMsPerSample float64 `json:"infer_ms_per_sample"`
	// StepMemoryBytes is the heap the model, its optimiser and the buffers
	// of a training step occupy (a step allocates nothing more).
	StepMemoryBytes uint64 `json:"step_memory_bytes"`
}

// Measure runs the named model (initialised from seed 1) on data: spikes
// over every image, then repeats timed training steps and forward passes
// on its first batch of 128.
func Measure(name string, data *dataset.Multi, repeats int) (Measured, error) {
	arch, err := Lookup(name)
	if err != nil {
		return Measured{}, err
	}
	if _, err := models.Lookup(name); err != nil {
		return Measured{}, fmt.Errorf("%s is counted but not implemented yet, so it cannot be measured", name)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	st, err := train.NewStepper(name, 1)
	if err != nil {
		return Measured{}, err
	}
	defer st.Close()
	const batch = 128
	b, err := dataset.NewBatches(data, batch, 0, false, nil)
	if err != nil {
		return Measured{}, err
	}
	x, labels, n, _ := b.Next()
	xs, ls := slices.Clone(x), slices.Clone(labels)
	st.Step(xs, ls, n, 0) // lr 0: sizes every buffer, changes no weight
	runtime.ReadMemStats(&after)
	var m Measured
	m.StepMemoryBytes = after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)

	b.Epoch(0)
	var spikes float64
	for {
		x, labels, k, ok := b.Next()
		if !ok {
			break
		}
		st.Eval(x, labels, k)
		spikes += st.Model.Spikes()
	}
	m.SpikesPerSample = spikes / float64(data.N)
	m.SynOps = m.SpikesPerSample * float64(arch.FanOut())

	timeIt := func(f func()) float64 {
		d := make([]float64, repeats)
		for i := range d {
			start := time.Now()
			f()
			d[i] = float64(time.Since(start).Nanoseconds()) / 1e6
		}
		slices.Sort(d)
		return d[len(d)/2] / batch
	}
	m.TrainMsPerSample = timeIt(func() { st.Step(xs, ls, n, 0) })
	m.InferMsPerSample = timeIt(func() { st.Eval(xs, ls, n) })
	return m, nil
}
