package vib

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/internal/sealed"
	"github.com/hhnet/hhnet/tensor"
)

// fakeMulti is n random mostly-dark images whose labels are a function of
// the brightest quarter, so that there is something to learn.
func fakeMulti(n int, seed uint64) *dataset.Multi {
	rng := rand.New(rand.NewPCG(seed, 9))
	m := &dataset.Multi{Variant: "multi-mnist", N: n, Images: make([]byte, n*dataset.Pixels), Labels: make([]byte, 2*n)}
	for i := 0; i < n; i++ {
		a, b := rng.IntN(10), rng.IntN(10)
		img := m.Images[i*dataset.Pixels : (i+1)*dataset.Pixels]
		for p := range img {
			if rng.IntN(3) == 0 {
				img[p] = byte(rng.IntN(256))
			}
		}
		for p := a * 100; p < a*100+100; p++ {
			img[p] = 255
		}
		m.Labels[2*i], m.Labels[2*i+1] = byte(a), byte(b)
	}
	return m
}

// TestLabelEntropy against hand-computed batches: two labels always
// different over 90 equally likely pairs give log₂90 bits, not 2·log₂10.
func TestLabelEntropy(t *testing.T) {
	m := &dataset.Multi{N: 4, Labels: []byte{0, 1, 0, 1, 2, 3, 4, 5}}
	pairs, t1, t2 := LabelEntropy(m)
	// Pairs (0,1) twice, (2,3), (4,5): p = ½, ¼, ¼ → 1.5 bits; each task likewise.
	if pairs != 1.5 || t1 != 1.5 || t2 != 1.5 {
		t.Errorf("entropy %v, %v, %v; want 1.5 each", pairs, t1, t2)
	}
	var labels []byte
	for a := 0; a < 10; a++ {
		for b := 0; b < 10; b++ {
			if a != b {
				labels = append(labels, byte(a), byte(b))
			}
		}
	}
	pairs, t1, _ = LabelEntropy(&dataset.Multi{N: 90, Labels: labels})
	if math.Abs(pairs-math.Log2(90)) > 1e-12 || math.Abs(t1-math.Log2(10)) > 1e-12 {
		t.Errorf("90 pairs: %v bits (want %v), task 1 %v", pairs, math.Log2(90), t1)
	}
}

// TestBounds: the measured bounds of a hand-made batch are H(Y) minus the
// cross-entropies in bits, and the mean KL in bits; the 12-draw accuracy
// takes its classes from probabilities averaged over the classes.
func TestBounds(t *testing.T) {
	p := make([]float64, 20)
	logits := []float32{0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	addSoftmax(p, logits, 2)
	addSoftmax(p, []float32{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5}, 2)
	// Sample 0: class 3, then nothing; sample 1: class 0 (9), then class 9
	// less surely (5): the averaged probabilities pick 0.
	if hits := argmaxHits(p, []int32{3, 0, 0, 0}, 0, 2); hits != 2 {
		t.Errorf("12-draw style hits %d, want 2", hits)
	}
	for i := 0; i < 2; i++ {
		var s float64
		for _, v := range p[i*10 : (i+1)*10] {
			s += v
		}
		if math.Abs(s-2) > 1e-12 {
			t.Errorf("sample %d: probabilities sum to %v over two draws, want 2 (normalised over the classes)", i, s)
		}
	}
	// The bounds of a record follow from the loss parts.
	l := Loss{CE1: math.Ln2, CE2: 2 * math.Ln2, KL: 3 * math.Ln2}
	if b := l.Bits(0.5); math.Abs(b-4.5) > 1e-12 {
		t.Errorf("objective %v bits, want 1 + 2 + 0.5·3 = 4.5", b)
	}
}

// TestVotes: the pooled 12-draw vote counts what one serial pass over
// the draws counts, and sums the same probabilities to the bit.
func TestVotes(t *testing.T) {
	const n, draws = 37, 5
	rng := rand.New(rand.NewPCG(7, 8))
	logits := [2][]float32{make([]float32, draws*n*10), make([]float32, draws*n*10)}
	for _, l := range logits {
		for i := range l {
			l[i] = float32(3 * rng.NormFloat64())
		}
	}
	labels := make([]int32, 2*n)
	for i := range labels {
		labels[i] = int32(rng.IntN(10))
	}
	pool := tensor.NewPool(2)
	defer pool.Close()
	var v votes
	h1, h2 := v.count(pool, logits[0], logits[1], labels, n)
	for task, got := range []int{h1, h2} {
		p := make([]float64, n*10)
		for d := 0; d < draws; d++ {
			addSoftmax(p, logits[task][d*n*10:], n)
		}
		if want := argmaxHits(p, labels, task, n); got != want || want == 0 {
			t.Errorf("task %d: %d hits pooled, %d serially", task+1, got, want)
		}
		if !slices.Equal(p, v.probs[task]) {
			t.Errorf("task %d: the pooled probabilities differ from the serial ones", task+1)
		}
	}
}

func tinyRun(dir string, cfg Config) *Run {
	cfg.Encoder, cfg.Data, cfg.Batch = "LIF", "multi-mnist", 32
	if cfg.Epochs == 0 {
		cfg.Epochs = 2
	}
	return &Run{Config: cfg, Train: fakeMulti(160, 1), Test: fakeMulti(64, 2), Dir: dir, Workers: 2}
}

// TestBetaZeroIsPublished: β = 0 trains exactly as the published loss.
func TestBetaZeroIsPublished(t *testing.T) {
	a, err := tinyRun("", Config{Beta: 0}).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := tinyRun("", Config{Beta: 1e-3, Published: true}).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		a[i].TrainSeconds, b[i].TrainSeconds = 0, 0
	}
	if !slices.Equal(a, b) {
		t.Errorf("β = 0 and --published differ:\n%+v\n%+v", a, b)
	}
}

// TestResumeBitExact: a run stopped mid-epoch and resumed ends with the
// bits of one that never stopped; a finished run is read, not redone.
func TestResumeBitExact(t *testing.T) {
	want, err := tinyRun("", Config{Beta: 1e-3, Seed: 5}).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := tinyRun(dir, Config{Beta: 1e-3, Seed: 5})
	ctx, cancel := context.WithCancel(context.Background())
	r.Recorder = stopAt{batch: 3, cancel: cancel}
	if _, err := r.Execute(ctx); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("stopped run: %v", err)
	}
	ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil || ck.Epoch != 0 || ck.Batch != 3 {
		t.Fatalf("checkpoint after the stop: %+v, %v", ck, err)
	}
	r = tinyRun(dir, Config{Beta: 1e-3, Seed: 5})
	r.Resume = true
	got, err := r.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].TrainSeconds, want[i].TrainSeconds = 0, 0
	}
	if !slices.Equal(got, want) {
		t.Errorf("resumed:\n%+v\nuninterrupted:\n%+v", got, want)
	}
	recs, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil || len(recs) != 2 {
		t.Fatalf("mi.jsonl: %d records, %v", len(recs), err)
	}
	// A new run over it is refused.
	if _, err := tinyRun(dir, Config{Beta: 1e-3, Seed: 5}).Execute(context.Background()); err == nil {
		t.Error("a fresh run over a finished one was accepted")
	}
}

type stopAt struct {
	batch  int
	cancel func()
}

func (s stopAt) Batch(p Progress) {
	if p.Batch == s.batch {
		s.cancel()
	}
}
func (stopAt) Epoch(Record) {}

// TestWorkersDoNotChangeResults: one and three workers give the same bits.
func TestWorkersDoNotChangeResults(t *testing.T) {
	var runs [2][]Record
	for i, w := range []int{1, 3} {
		r := tinyRun("", Config{Beta: 1e-3, Epochs: 1})
		r.Workers = w
		recs, err := r.Execute(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		recs[0].TrainSeconds = 0
		runs[i] = recs
	}
	if !slices.Equal(runs[0], runs[1]) {
		t.Errorf("1 worker %+v\n3 workers %+v", runs[0], runs[1])
	}
}

func validCheckpoint() *Checkpoint {
	return &Checkpoint{
		Config:   Config{Encoder: "LIF", Data: "multi-mnist", Epochs: 3, Batch: 128, Beta: 1e-3},
		Epoch:    1,
		Batch:    2,
		Records:  []Record{{Epoch: 1, Loss: 7, IZX: 30, IZY: 4, Acc1: 50}},
		Partial:  Partial{Loss: 13, KL: 60, Batches: 2},
		Params:   [][]float32{{1, 2}},
		AdamM:    [][]float32{{0.1, 0.2}},
		AdamV:    [][]float32{{0.01, 0.02}},
		AdamStep: 940,
		EMA:      [][]float32{{0.9, 1.9}},
	}
}

// FuzzDecodeCheckpoint fuzzes the decoder and the validation behind the
// checksum: no input panics, and what decodes restores or is refused.
func FuzzDecodeCheckpoint(f *testing.F) {
	path := filepath.Join(f.TempDir(), "ck.bin")
	if err := WriteCheckpoint(path, validCheckpoint()); err != nil {
		f.Fatal(err)
	}
	file, _ := os.ReadFile(path)
	if _, err := ParseCheckpoint(file); err != nil {
		f.Fatal(err)
	}
	payload, err := sealed.Payload(file, checkpointMagic)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload)
	tr, err := newTrainer(Config{Encoder: "LIF"}, 1, fakeMulti(4, 1))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(tr.close)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodePayload(b)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("error %v does not wrap ErrBadCheckpoint", err)
			}
			return
		}
		if c.Epoch < 0 || c.Batch < 0 || len(c.Records) != c.Epoch {
			t.Fatalf("accepted position epoch %d batch %d", c.Epoch, c.Batch)
		}
		c.restore(tr) // an error is fine, a panic is not
	})
}

// FuzzParseMetrics: no input panics; what parses round-trips.
func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte(`{"epoch":1,"loss_bits":7,"izx_bits":30,"izy_bits":4,"acc1":50}` + "\n"))
	f.Add([]byte(`{"epoch":2}`))
	f.Add([]byte(`{"epoch":1,"izx_bits":1e999}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := ParseMetrics(b)
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), MetricsFile)
		if err := WriteMetrics(path, recs); err != nil {
			t.Fatal(err)
		}
		back, err := ReadMetrics(path)
		if err != nil || !slices.Equal(back, recs) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// TestReadCheckpointV1: a checkpoint of the first format (tensors in
// gob's own float encoding) still reads, to the same values; a damaged
// one is refused.
func TestReadCheckpointV1(t *testing.T) {
	c := validCheckpoint()
	old := *c
	dir := t.TempDir()
	path := filepath.Join(dir, "v1.bin")
	if err := sealed.Write(path, checkpointMagicV1, old); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.AdamStep != c.AdamStep || !slices.Equal(got.Records, c.Records) || !slices.Equal(got.EMA[0], c.EMA[0]) || !slices.Equal(got.AdamV[0], c.AdamV[0]) {
		t.Errorf("read %+v, wrote %+v", got, c)
	}
	b, _ := os.ReadFile(path)
	b[len(b)-1] ^= 1
	if _, err := ParseCheckpoint(b); !errors.Is(err, ErrBadCheckpoint) {
		t.Errorf("damaged version-1 file: %v", err)
	}
	old.Params = [][]float32{{1}} // its state has two values
	if err := sealed.Write(path, checkpointMagicV1, old); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCheckpoint(path); !errors.Is(err, ErrBadCheckpoint) {
		t.Errorf("inconsistent version-1 file: %v", err)
	}
}
