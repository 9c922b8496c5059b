package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/internal/jsonl"
	"github.com/hhnet/hhnet/internal/rundir"
	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/nn"
)

// Settings are a training run's choices; they map one to one to the flags
// of `hhnet train` and are stored in every checkpoint.
type Settings struct {
	Model    string  `json:"model"`
	Data     string  `json:"data"`      // dataset variant
	DataSeed uint64  `json:"data_seed"` // generation seed of the dataset (default 0)
	Epochs   int     `json:"epochs"`    // default 40
	Batch    int     `json:"batch"`     // default 128
	Seed     uint64  `json:"seed"`      // initialisation, batch order and noise pattern
	Noise    float64 `json:"noise"`     // noise amplitude on the 0–255 scale; 0 = none
	// Zero values below take the model's published settings; with noise
	// the milestones are 10, 20, 30 for every model, as published.
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
	Milestones  []int   `json:"milestones"`
	// TrainSubset, when positive, trains on the first TrainSubset
	// training images only (a quick try of a costly model).
	TrainSubset int `json:"train_subset,omitempty"`
	// TestSubset, when positive, measures on the first TestSubset test
	// images only (quick sweeps; the published protocol uses all).
	TestSubset int `json:"test_subset,omitempty"`
}

// WithDefaults fills the zero fields from the model's spec (docs/model.md §4).
func (s Settings) WithDefaults() (Settings, error) {
	spec, err := models.Lookup(s.Model)
	if err != nil {
		return s, err
	}
	if s.Epochs == 0 {
		s.Epochs = 40
	}
	if s.Batch == 0 {
		s.Batch = 128
	}
	if s.LR == 0 {
		s.LR = spec.LR
	}
	if s.WeightDecay == 0 {
		s.WeightDecay = spec.WeightDecay
	}
	if s.Milestones == nil {
		s.Milestones = spec.Milestones
		if s.Noise != 0 {
			s.Milestones = []int{10, 20, 30}
		}
	}
	return s, nil
}

// schedule is the learning-rate schedule of s.
func (s Settings) schedule() nn.MultiStepLR {
	return nn.MultiStepLR{Base: s.LR, Gamma: 0.1, Milestones: s.Milestones}
}

// compatible reports how a checkpoint's settings differ from s in a way
// that forbids resuming (only the number of epochs may grow).
func (s Settings) compatible(c Settings) error {
	a, b := s, c
	a.Epochs, b.Epochs = 0, 0
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		return fmt.Errorf("the checkpoint was trained with other settings: %s, now %s", jb, ja)
	}
	return nil
}

// Record is one epoch's line of metrics.jsonl; accuracies in percent.
type Record struct {
	Epoch        int     `json:"epoch"` // 1-based
	Loss         float64 `json:"loss"`  // mean training loss (sum of both tasks)
	Acc1         float64 `json:"acc1"`  // test accuracy, task 1
	Acc2         float64 `json:"acc2"`  // test accuracy, task 2
	TrainAcc1    float64 `json:"train_acc1"`
	TrainAcc2    float64 `json:"train_acc2"`
	LR           float64 `json:"lr"`
	TrainSeconds float64 `json:"train_seconds"`
	// ReadoutRate is the mean input of the read-out layer on the test
	// set (models.Model.ReadoutRate); 0: a silent network.
	ReadoutRate float64 `json:"readout_rate"`
}

// Progress is what a Recorder hears after every batch.
type Progress struct {
	Epoch, Epochs        int // 0-based epoch in progress, total
	Batch, Batches       int // batches done in this epoch, per epoch
	Loss                 float64
	TrainAcc1, TrainAcc2 float64 // running, percent
}

// Recorder receives progress; the CLI draws it. Methods must be quick.
type Recorder interface {
	Batch(Progress)
	Epoch(Record)
}

// ErrInterrupted is returned when the context ends a run; the checkpoint
// then holds the position reached.
var ErrInterrupted = errors.New("interrupted")

// ErrDiverged reports a non-finite loss.
type ErrDiverged struct {
	Epoch, Batch int // 1-based
	Loss         float64
}

func (e *ErrDiverged) Error() string {
	return fmt.Sprintf("training diverged: loss %v at epoch %d, batch %d (the last checkpoint is the state before the epoch; try a lower --lr)", e.Loss, e.Epoch, e.Batch)
}

// Run is a training run: its settings, data, and where it writes.
type Run struct {
	Settings Settings
	Train    *dataset.Multi
	Test     *dataset.Multi
	// Dir receives checkpoint.bin (after every epoch and on interruption)
	// and metrics.jsonl; empty writes nothing.
	Dir    string
	Resume bool // continue from Dir/checkpoint.bin if present
	// Force starts afresh over an earlier run in Dir, which is moved
	// aside (PrepareDir); without it or Resume such a run is an error.
	Force    bool
	Recorder Recorder
	// Workers splits the work over goroutines (≤ 0: one per core); the
	// results do not depend on it.
	Workers int
}

// ErrRunExists is returned when Dir already holds a run and neither
// Resume nor Force was asked for: starting over it would lose that run.
var ErrRunExists = rundir.ErrExists

// PrepareDir makes dir ready for a run. With resume it does nothing. A dir
// holding a checkpoint or metrics of an earlier run is an error wrapping
// ErrRunExists, unless force is set: then the whole folder is renamed to
// dir.old-TIMESTAMP (never deleted), returned as moved.
func PrepareDir(dir string, resume, force bool) (moved string, err error) {
	return rundir.Prepare(dir, resume, force, CheckpointFile, MetricsFile)
}

// CheckpointFile and MetricsFile are the names of the files Run writes in Dir.
const (
	CheckpointFile = "checkpoint.bin"
	MetricsFile    = "metrics.jsonl"
)

// Execute trains (or continues training) and returns every epoch's record.
func (r *Run) Execute(ctx context.Context) ([]Record, error) {
	s, err := r.Settings.WithDefaults()
	if err != nil {
		return nil, err
	}
	if _, err := PrepareDir(r.Dir, r.Resume, r.Force); err != nil {
		return nil, err
	}
	st, err := NewStepperOn(s.Model, s.Seed, r.Workers)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	st.Adam.WeightDecay = s.WeightDecay
	trainSet := r.Train
	if s.TrainSubset > 0 {
		if trainSet, err = r.Train.Head(s.TrainSubset); err != nil {
			return nil, err
		}
	}
	noise := dataset.NoisePattern(s.Noise, s.Seed)
	trainB, err := dataset.NewBatches(trainSet, s.Batch, s.Seed, true, noise)
	if err != nil {
		return nil, err
	}
	testSet := r.Test
	if s.TestSubset > 0 {
		if testSet, err = r.Test.Head(s.TestSubset); err != nil {
			return nil, err
		}
	}
	testB, err := dataset.NewBatches(testSet, s.Batch, 0, false, noise)
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Settings: s}
	ckPath := filepath.Join(r.Dir, CheckpointFile)
	if r.Resume && r.Dir != "" {
		old, err := ReadCheckpoint(ckPath)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if err := s.compatible(old.Settings); err != nil {
				return nil, fmt.Errorf("%s: %w", ckPath, err)
			}
			if err := old.fits(trainB.Len()); err != nil {
				return nil, fmt.Errorf("%s: %w", ckPath, err)
			}
			if err := restore(st, old); err != nil {
				return nil, fmt.Errorf("%s: %w", ckPath, err)
			}
			ck = old
			ck.Settings = s
			if ck.Epoch >= s.Epochs && ck.Batch > 0 {
				return nil, fmt.Errorf("%s: stopped inside epoch %d; resume with --epochs ≥ %d", ckPath, ck.Epoch+1, ck.Epoch+1)
			}
		}
	}
	if r.Dir != "" {
		if err := os.MkdirAll(r.Dir, 0o755); err != nil {
			return nil, err
		}
	}
	sched := s.schedule()
	for ck.Epoch < s.Epochs {
		epoch := ck.Epoch
		lr := sched.At(epoch)
		trainB.Epoch(epoch)
		trainB.Skip(ck.Batch)
		p := &ck.Partial
		for {
			if ctx.Err() != nil {
				if r.Dir != "" {
					if err := r.save(ckPath, st, ck); err != nil {
						return ck.Records, err
					}
				}
				return ck.Records, ErrInterrupted
			}
			x, labels, n, ok := trainB.Next()
			if !ok {
				break
			}
			start := time.Now()
			res := st.Step(x, labels, n, lr)
			p.Seconds += time.Since(start).Seconds()
			if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
				return ck.Records, &ErrDiverged{Epoch: epoch + 1, Batch: ck.Batch + 1, Loss: res.Loss}
			}
			p.Loss += res.Loss
			p.Correct1 += res.Correct1
			p.Correct2 += res.Correct2
			p.N += n
			p.Batches++
			ck.Batch++
			if r.Recorder != nil {
				r.Recorder.Batch(Progress{Epoch: epoch, Epochs: s.Epochs, Batch: ck.Batch, Batches: trainB.Len(),
					Loss: p.Loss / float64(p.Batches), TrainAcc1: pct(p.Correct1, p.N), TrainAcc2: pct(p.Correct2, p.N)})
			}
		}
		acc1, acc2, readout, err := Evaluate(ctx, st, testB)
		if err != nil {
			// The epoch's training is done: the checkpoint's position is its
			// end, so a resume goes straight to this evaluation.
			if r.Dir != "" {
				if err := r.save(ckPath, st, ck); err != nil {
					return ck.Records, err
				}
			}
			return ck.Records, ErrInterrupted
		}
		rec := Record{Epoch: epoch + 1, Loss: p.Loss / float64(max(p.Batches, 1)), Acc1: acc1, Acc2: acc2,
			TrainAcc1: pct(p.Correct1, p.N), TrainAcc2: pct(p.Correct2, p.N), LR: lr, TrainSeconds: p.Seconds,
			ReadoutRate: readout}
		ck.Records = append(ck.Records, rec)
		ck.Epoch, ck.Batch, ck.Partial = epoch+1, 0, Partial{}
		if r.Dir != "" {
			// The checkpoint first: it holds every record, so a kill between
			// the two writes loses no finished epoch (the next epoch's
			// metrics.jsonl is written whole from it).
			if err := r.save(ckPath, st, ck); err != nil {
				return ck.Records, err
			}
			if err := writeMetrics(filepath.Join(r.Dir, MetricsFile), ck.Records); err != nil {
				return ck.Records, err
			}
		}
		if r.Recorder != nil {
			r.Recorder.Epoch(rec)
		}
	}
	return ck.Records, nil
}

func pct(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(k) / float64(n)
}

// Evaluate returns the accuracy (percent) of both tasks over every batch
// of b and the mean input of the read-out layer (models.Model.ReadoutRate).
// It stops at the next batch when ctx ends, returning ErrInterrupted.
func Evaluate(ctx context.Context, st *Stepper, b *dataset.Batches) (acc1, acc2, readout float64, err error) {
	b.Epoch(0)
	var c1, c2, n int
	for {
		if ctx.Err() != nil {
			return 0, 0, 0, ErrInterrupted
		}
		x, labels, k, ok := b.Next()
		if !ok {
			break
		}
		r := st.Eval(x, labels, k)
		c1, c2, n = c1+r.Correct1, c2+r.Correct2, n+k
		readout += st.Model.ReadoutRate() * float64(k)
	}
	return pct(c1, n), pct(c2, n), readout / float64(max(n, 1)), nil
}

func (r *Run) save(path string, st *Stepper, ck *Checkpoint) error {
	ck.Params, ck.AdamM, ck.AdamV, ck.Frozen = nil, nil, nil, nil
	for i, p := range st.Model.Params() {
		ck.Params = append(ck.Params, p.Value)
		ck.AdamM = append(ck.AdamM, st.Adam.M[i])
		ck.AdamV = append(ck.AdamV, st.Adam.V[i])
	}
	ck.Frozen = st.Model.Frozen()
	ck.AdamStep = st.Adam.Steps
	return WriteCheckpoint(path, ck)
}

// restore loads a checkpoint's parameters and optimiser state into st,
// checking every shape.
func restore(st *Stepper, ck *Checkpoint) error {
	params := st.Model.Params()
	frozen := st.Model.Frozen()
	if len(ck.Params) != len(params) || len(ck.AdamM) != len(params) || len(ck.AdamV) != len(params) || len(ck.Frozen) != len(frozen) {
		return fmt.Errorf("%w: %d parameter tensors, model %s has %d", ErrBadCheckpoint, len(ck.Params), st.Model.Spec().Name, len(params))
	}
	for i, p := range params {
		if len(ck.Params[i]) != len(p.Value) || len(ck.AdamM[i]) != len(p.Value) || len(ck.AdamV[i]) != len(p.Value) {
			return fmt.Errorf("%w: %s has %d values, the model needs %d", ErrBadCheckpoint, p.Name, len(ck.Params[i]), len(p.Value))
		}
		copy(p.Value, ck.Params[i])
		copy(st.Adam.M[i], ck.AdamM[i])
		copy(st.Adam.V[i], ck.AdamV[i])
	}
	for i, f := range frozen {
		if len(ck.Frozen[i]) != len(f) {
			return fmt.Errorf("%w: frozen tensor %d has %d values, want %d", ErrBadCheckpoint, i, len(ck.Frozen[i]), len(f))
		}
		copy(f, ck.Frozen[i])
	}
	st.Adam.Steps = ck.AdamStep
	return nil
}

// LoadStepper rebuilds a checkpoint's model with its trained parameters.
func LoadStepper(ck *Checkpoint) (*Stepper, error) {
	st, err := NewStepper(ck.Settings.Model, ck.Settings.Seed)
	if err != nil {
		return nil, err
	}
	if err := restore(st, ck); err != nil {
		return nil, err
	}
	return st, nil
}

func writeMetrics(path string, recs []Record) error { return jsonl.Write(path, recs) }

// ReadMetrics reads a metrics.jsonl file; errors name it.
func ReadMetrics(path string) ([]Record, error) { return jsonl.Read(path, Record.check) }

// ParseMetrics decodes the lines of a metrics.jsonl file: one record per
// epoch, epochs 1, 2, … in order, every number finite.
func ParseMetrics(b []byte) ([]Record, error) { return jsonl.Parse(b, Record.check) }

// check validates a record read from outside: record n is epoch n and
// every number is finite.
func (r Record) check(n int) error {
	if r.Epoch != n {
		return fmt.Errorf("record %d is for epoch %d", n, r.Epoch)
	}
	for _, v := range []float64{r.Loss, r.Acc1, r.Acc2, r.TrainAcc1, r.TrainAcc2, r.LR, r.TrainSeconds, r.ReadoutRate} {
		if !finite(v) {
			return fmt.Errorf("record %d: a value is not a finite number", n)
		}
	}
	return nil
}
