package vib

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/internal/f32"
	"github.com/hhnet/hhnet/internal/jsonl"
	"github.com/hhnet/hhnet/internal/normal"
	"github.com/hhnet/hhnet/internal/rundir"
	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// Config is a run's choices; they map one to one to the flags of
// `hhnet mi` and are stored in every checkpoint.
type Config struct {
	Encoder  string  `json:"encoder"`
	Data     string  `json:"data"`
	DataSeed uint64  `json:"data_seed"`
	Epochs   int     `json:"epochs"` // default 200
	Batch    int     `json:"batch"`  // default 128
	Seed     uint64  `json:"seed"`   // initialisation, batch order, the draws of z
	Beta     float64 `json:"beta"`   // weight of the KL term in the trained loss
	// Published trains as the study's code did: the loss is CE₁ + CE₂, the
	// KL term only measured. It is the same training as Beta 0.
	Published bool `json:"published"`
	// TrainSubset and TestSubset, when positive, use the first images of
	// each set only (quick sweeps; the published protocol uses all).
	TrainSubset int `json:"train_subset,omitempty"`
	TestSubset  int `json:"test_subset,omitempty"`
}

// Training constants of the study's analysis (docs/model.md §7).
const (
	defaultEpochs = 200
	defaultBatch  = 128
	learningRate  = 1e-4
	adamBeta1     = 0.5
	lrDecay       = 0.97 // every lrEvery epochs
	lrEvery       = 2
	emaDecay      = 0.999
	manyDraws     = 12
)

// WithDefaults fills the zero sizes.
func (c Config) WithDefaults() Config {
	if c.Epochs == 0 {
		c.Epochs = defaultEpochs
	}
	if c.Batch == 0 {
		c.Batch = defaultBatch
	}
	return c
}

// trainedBeta is the β that enters the gradient.
func (c Config) trainedBeta() float64 {
	if c.Published {
		return 0
	}
	return c.Beta
}

// LR is the learning rate of epoch e (0-based): ×0.97 every two epochs.
func LR(epoch int) float64 { return learningRate * math.Pow(lrDecay, float64(epoch/lrEvery)) }

// Record is one epoch's line of mi.jsonl: the training loss, and the test
// measurements with the moving-average weights, information in bits per
// sample, accuracies in percent.
type Record struct {
	Epoch        int     `json:"epoch"`
	Loss         float64 `json:"loss_bits"`     // mean training objective
	TrainKL      float64 `json:"train_kl_bits"` // mean KL on the training batches
	IZX          float64 `json:"izx_bits"`      // upper bound: mean KL
	IZY          float64 `json:"izy_bits"`      // lower bound: H(Y) − (CE₁ + CE₂)/ln 2
	IZY1         float64 `json:"izy1_bits"`     // task 1's: H(Y₁) − CE₁/ln 2
	IZY2         float64 `json:"izy2_bits"`
	Acc1         float64 `json:"acc1"` // one draw of z
	Acc2         float64 `json:"acc2"`
	Acc12_1      float64 `json:"acc12_1"` // class probabilities averaged over 12 draws
	Acc12_2      float64 `json:"acc12_2"`
	LR           float64 `json:"lr"`
	TrainSeconds float64 `json:"train_seconds"`
}

// Best returns the record with the best 12-draw accuracy (mean of both
// tasks), the first of equals; ok is false for none.
func Best(recs []Record) (best Record, ok bool) {
	for _, r := range recs {
		if !ok || r.Acc12_1+r.Acc12_2 > best.Acc12_1+best.Acc12_2 {
			best, ok = r, true
		}
	}
	return best, ok
}

// Progress is what a Recorder hears after every batch.
type Progress struct {
	Epoch, Epochs  int // 0-based epoch in progress, total
	Batch, Batches int
	Loss           float64 // running mean, bits
}

// Recorder receives progress; methods must be quick.
type Recorder interface {
	Batch(Progress)
	Epoch(Record)
}

// ErrInterrupted is returned when the context ends a run; the checkpoint
// then holds the position reached.
var ErrInterrupted = errors.New("interrupted")

// Files a Run writes in its Dir.
const (
	CheckpointFile = "checkpoint.bin"
	MetricsFile    = "mi.jsonl"
)

// Run is one training run of the bottleneck.
type Run struct {
	Config      Config
	Train, Test *dataset.Multi
	Dir         string // checkpoint.bin and mi.jsonl; "" writes nothing
	Resume      bool   // continue from Dir/checkpoint.bin if present
	Force       bool   // start afresh over an earlier run, moving it aside
	Workers     int    // ≤ 0: GOMAXPROCS; results do not depend on it
	Recorder    Recorder
}

// PrepareDir refuses (or, with force, moves aside) an earlier run in dir.
func PrepareDir(dir string, resume, force bool) (moved string, err error) {
	return rundir.Prepare(dir, resume, force, CheckpointFile, MetricsFile)
}

// trainer is the state of a run: the net, its optimiser, the moving
// average and the evaluation net that carries it.
type trainer struct {
	cfg          Config
	pool         *tensor.Pool
	net, ema     *Net[float32]
	adam         *nn.Adam[float32]
	shadow       [][]float32
	draws        drawWork
	votes        votes
	hY, hY1, hY2 float64
}

func newTrainer(cfg Config, workers int, test *dataset.Multi) (*trainer, error) {
	enc, err := LookupEncoder(cfg.Encoder)
	if err != nil {
		return nil, err
	}
	pool := tensor.NewPool(workers)
	build := func() *Net[float32] {
		return NewNet[float32](enc, Shape{Pool: pool}, rand.New(rand.NewPCG(cfg.Seed, 0x766962)))
	}
	tr := &trainer{cfg: cfg, pool: pool, net: build(), ema: build()}
	tr.adam = nn.NewAdam(tr.net.Params(), 0)
	tr.adam.Beta1 = adamBeta1
	tr.adam.Pool = pool
	for _, p := range tr.net.Params() {
		tr.shadow = append(tr.shadow, slices.Clone(p.Value))
	}
	tr.adam.Average = &nn.Average[float32]{Decay: emaDecay, Values: tr.shadow}
	tr.hY, tr.hY1, tr.hY2 = LabelEntropy(test)
	return tr, nil
}

func (tr *trainer) close() { tr.pool.Close() }

// Stream tags of the normal draws.
const (
	trainStream = 0x7472616e // "tran"
	evalStream  = 0x6576616c // "eval"
)

// step trains on one batch; Adam updates the moving average too.
func (tr *trainer) step(x []float32, labels []int32, n, epoch, batch int, lr float64) Loss {
	tr.net.Encode(x, n)
	eps, z := tr.net.sampleBuffers()
	tr.draw(tr.net, eps, z, trainParts, trainStream, uint64(epoch)<<32|uint64(batch))
	tr.net.sampled()
	l := tr.net.Backward(labels, tr.cfg.trainedBeta())
	tr.adam.Step(tr.net.Params(), lr)
	return l
}

// evaluate measures the test set with the moving-average weights.
func (tr *trainer) evaluate(ctx context.Context, b *dataset.Batches, epoch int) (Record, error) {
	for i, p := range tr.ema.Params() {
		copy(p.Value, tr.shadow[i])
	}
	var ce1, ce2, kl float64
	var c1, c2, m1, m2, total int
	b.Epoch(0)
	for batch := 0; ; batch++ {
		if ctx.Err() != nil {
			return Record{}, ErrInterrupted
		}
		x, labels, n, ok := b.Next()
		if !ok {
			break
		}
		tr.ema.Encode(x, n)
		zs := tr.ema.drawBuffer(manyDraws)
		tr.draw(tr.ema, zs, zs, manyDraws, evalStream, uint64(epoch)<<32|uint64(batch))
		o1, o2 := tr.ema.sampledDraws(manyDraws)
		l := tr.ema.evaluateLogits(o1[:n*10], o2[:n*10], labels)
		w := float64(n)
		ce1, ce2, kl = ce1+l.CE1*w, ce2+l.CE2*w, kl+l.KL*w
		c1, c2 = c1+l.Correct1, c2+l.Correct2
		h1, h2 := tr.votes.count(tr.pool, o1, o2, labels, n)
		m1, m2 = m1+h1, m2+h2
		total += n
	}
	t := float64(max(total, 1))
	ce1, ce2, kl = ce1/t, ce2/t, kl/t
	return Record{
		IZX:  kl / math.Ln2,
		IZY:  tr.hY - (ce1+ce2)/math.Ln2,
		IZY1: tr.hY1 - ce1/math.Ln2, IZY2: tr.hY2 - ce2/math.Ln2,
		Acc1: 100 * float64(c1) / t, Acc2: 100 * float64(c2) / t,
		Acc12_1: 100 * float64(m1) / t, Acc12_2: 100 * float64(m2) / t,
	}, nil
}

// votes is the 12-draw prediction: each sample's class probabilities
// summed over the draws of z, and whether the most probable class is the
// label. The samples are split over the pool; each sample's sum runs over
// the draws in order, so the split changes no bit.
type votes struct {
	logits [2][]float32 // [draws·n, 10] per head, draw after draw
	labels []int32
	n      int
	probs  [2][]float64 // [n, 10]
	hits   [2][]int     // the count of the block that starts at each sample
}

// count returns, per task, how many of the n samples the summed
// probabilities of the draws in logits1 and logits2 classify right.
func (v *votes) count(pool *tensor.Pool, logits1, logits2 []float32, labels []int32, n int) (hits1, hits2 int) {
	v.logits, v.labels, v.n = [2][]float32{logits1, logits2}, labels, n
	for t := range v.probs {
		v.probs[t] = slices.Grow(v.probs[t][:0], n*10)[:n*10]
		v.hits[t] = slices.Grow(v.hits[t][:0], n)[:n]
		clear(v.hits[t])
	}
	pool.Run(v, n, voteGrain)
	for i := range v.hits[0] {
		hits1, hits2 = hits1+v.hits[0][i], hits2+v.hits[1][i]
	}
	return hits1, hits2
}

// voteGrain is the samples per block of the vote.
const voteGrain = 16

func (v *votes) Range(lo, hi int) {
	draws := len(v.logits[0]) / (10 * v.n)
	for t, p := range v.probs {
		p = p[lo*10 : hi*10]
		clear(p)
		for d := 0; d < draws; d++ {
			addSoftmax(p, v.logits[t][(d*v.n+lo)*10:], hi-lo)
		}
		v.hits[t][lo] = argmaxHits(p, v.labels[2*lo:], t, hi-lo)
	}
}

// addSoftmax adds the class probabilities of logits [n, 10] into p: over
// the classes of each sample (the study's code normalised over the batch).
// The exponentials are float32's (relative error < 3e-7; math's float64
// Exp had been half of the vote).
func addSoftmax(p []float64, logits []float32, n int) {
	for i := 0; i < n; i++ {
		row := logits[i*10 : (i+1)*10]
		mx := slices.Max(row)
		var e [10]float64
		var sum float64
		for j, v := range row {
			e[j] = float64(f32.Exp(v - mx))
			sum += e[j]
		}
		for j := range row {
			p[i*10+j] += e[j] / sum
		}
	}
}

// argmaxHits counts the samples whose most probable class is task's label.
func argmaxHits(p []float64, labels []int32, task, n int) int {
	hits := 0
	for i := 0; i < n; i++ {
		row := p[i*10 : (i+1)*10]
		arg := 0
		for j, v := range row {
			if v > row[arg] {
				arg = j
			}
		}
		if int32(arg) == labels[2*i+task] {
			hits++
		}
	}
	return hits
}

// LabelEntropy is the empirical entropy, in bits, of the label pairs of m
// and of each task's labels. Two labels that are always different spread
// over 90 pairs: log₂90 ≈ 6.49 bits, not 2·log₂10.
func LabelEntropy(m *dataset.Multi) (pairs, task1, task2 float64) {
	var pc [100]int
	var c1, c2 [10]int
	for i := 0; i < m.N; i++ {
		a, b := m.Labels[2*i], m.Labels[2*i+1]
		pc[int(a)*10+int(b)]++
		c1[a]++
		c2[b]++
	}
	h := func(counts []int) float64 {
		var e float64
		for _, c := range counts {
			if c > 0 {
				p := float64(c) / float64(m.N)
				e -= p * math.Log2(p)
			}
		}
		return e
	}
	return h(pc[:]), h(c1[:]), h(c2[:])
}

// Execute trains (or continues) the run and returns every epoch's record.
func (r *Run) Execute(ctx context.Context) ([]Record, error) {
	cfg := r.Config.WithDefaults()
	if _, err := PrepareDir(r.Dir, r.Resume, r.Force); err != nil {
		return nil, err
	}
	trainSet, testSet := r.Train, r.Test
	var err error
	if cfg.TrainSubset > 0 {
		if trainSet, err = r.Train.Head(cfg.TrainSubset); err != nil {
			return nil, err
		}
	}
	if cfg.TestSubset > 0 {
		if testSet, err = r.Test.Head(cfg.TestSubset); err != nil {
			return nil, err
		}
	}
	tr, err := newTrainer(cfg, r.Workers, testSet)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	trainB, err := dataset.NewBatches(trainSet, cfg.Batch, cfg.Seed, true, nil)
	if err != nil {
		return nil, err
	}
	testB, err := dataset.NewBatches(testSet, cfg.Batch, 0, false, nil)
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Config: cfg}
	ckPath := filepath.Join(r.Dir, CheckpointFile)
	if r.Resume && r.Dir != "" {
		old, err := ReadCheckpoint(ckPath)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if err := old.resumable(cfg, trainB.Len()); err != nil {
				return nil, fmt.Errorf("%s: %w", ckPath, err)
			}
			if err := old.restore(tr); err != nil {
				return nil, fmt.Errorf("%s: %w", ckPath, err)
			}
			ck = old
			ck.Config = cfg
		}
	}
	if r.Dir != "" {
		if err := os.MkdirAll(r.Dir, 0o755); err != nil {
			return nil, err
		}
	}
	save := func() error {
		if r.Dir == "" {
			return nil
		}
		ck.capture(tr)
		return WriteCheckpoint(ckPath, ck)
	}
	for ck.Epoch < cfg.Epochs {
		epoch, lr := ck.Epoch, LR(ck.Epoch)
		trainB.Epoch(epoch)
		trainB.Skip(ck.Batch)
		p := &ck.Partial
		for {
			if ctx.Err() != nil {
				if err := save(); err != nil {
					return ck.Records, err
				}
				return ck.Records, ErrInterrupted
			}
			x, labels, n, ok := trainB.Next()
			if !ok {
				break
			}
			start := time.Now()
			l := tr.step(x, labels, n, epoch, ck.Batch, lr)
			p.Seconds += time.Since(start).Seconds()
			bits := l.Bits(cfg.trainedBeta())
			if math.IsNaN(bits) || math.IsInf(bits, 0) {
				return ck.Records, fmt.Errorf("training diverged: loss %v at epoch %d, batch %d", bits, epoch+1, ck.Batch+1)
			}
			p.Loss += bits
			p.KL += l.KL / math.Ln2
			p.Batches++
			ck.Batch++
			if r.Recorder != nil {
				r.Recorder.Batch(Progress{Epoch: epoch, Epochs: cfg.Epochs, Batch: ck.Batch, Batches: trainB.Len(), Loss: p.Loss / float64(p.Batches)})
			}
		}
		rec, err := tr.evaluate(ctx, testB, epoch)
		if err != nil {
			if err := save(); err != nil {
				return ck.Records, err
			}
			return ck.Records, ErrInterrupted
		}
		nb := float64(max(p.Batches, 1))
		rec.Epoch, rec.Loss, rec.TrainKL, rec.LR, rec.TrainSeconds = epoch+1, p.Loss/nb, p.KL/nb, lr, p.Seconds
		ck.Records = append(ck.Records, rec)
		ck.Epoch, ck.Batch, ck.Partial = epoch+1, 0, Partial{}
		if r.Dir != "" {
			// The checkpoint first: it holds every record, so a kill between
			// the two writes loses no finished epoch.
			if err := save(); err != nil {
				return ck.Records, err
			}
			if err := WriteMetrics(filepath.Join(r.Dir, MetricsFile), ck.Records); err != nil {
				return ck.Records, err
			}
		}
		if r.Recorder != nil {
			r.Recorder.Epoch(rec)
		}
	}
	return ck.Records, nil
}

// WriteMetrics writes records as mi.jsonl, atomically.
func WriteMetrics(path string, recs []Record) error { return jsonl.Write(path, recs) }

// ReadMetrics reads an mi.jsonl file; errors name it.
func ReadMetrics(path string) ([]Record, error) { return jsonl.Read(path, Record.check) }

// ParseMetrics decodes mi.jsonl: epochs 1, 2, … in order, numbers finite.
func ParseMetrics(b []byte) ([]Record, error) { return jsonl.Parse(b, Record.check) }

// check validates a record read from outside.
func (r Record) check(epoch int) error {
	if r.Epoch != epoch {
		return fmt.Errorf("record %d is for epoch %d", epoch, r.Epoch)
	}
	for _, v := range []float64{r.Loss, r.TrainKL, r.IZX, r.IZY, r.IZY1, r.IZY2, r.Acc1, r.Acc2, r.Acc12_1, r.Acc12_2, r.LR, r.TrainSeconds} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("record %d: a value is not a finite number", epoch)
		}
	}
	return nil
}

// ErrRunExists is returned when Dir holds an earlier run and neither
// Resume nor Force was asked for.
var ErrRunExists = rundir.ErrExists

// draw fills eps with standard normals of the stream tagged a for
// position b (epoch and batch) and z with net's z = μ + σ·ε of them (z
// may be eps itself): each training batch and each evaluation has its own
// streams, so that evaluation never moves training's draws and a resumed
// run draws what it would have. The values are split into parts, each
// from a generator of its own, which the pool draws side by side (one
// generator left the other cores idle for a third of the evaluation),
// each part's z computed while its normals are in cache; the split is
// fixed, so the values do not depend on the worker count.
func (tr *trainer) draw(net *Net[float32], eps, z []float32, parts int, a, b uint64) {
	w := &tr.draws
	w.net, w.eps, w.z = net, eps, z
	w.seed, w.b, w.parts = tr.cfg.Seed^a, b, parts
	tr.pool.Run(w, parts, 1)
	w.net, w.eps, w.z = nil, nil, nil
}

// Streams per draw: the training batch's normals in trainParts parts, the
// evaluation's one per draw of z.
const (
	trainParts = 8
	maxParts   = max(trainParts, manyDraws)
)

// drawWork is draw's work, kept in the trainer (with a generator per part)
// so that handing it to the pool allocates nothing.
type drawWork struct {
	streams [maxParts]drawStream
	net     *Net[float32]
	eps, z  []float32
	seed, b uint64
	parts   int
}

func (w *drawWork) Range(lo, hi int) {
	for p := lo; p < hi; p++ {
		s := &w.streams[p]
		s.Stream = normal.NewStream(w.seed^uint64(p)<<48, w.b)
		i, j := p*len(w.eps)/w.parts, (p+1)*len(w.eps)/w.parts
		s.Fill(w.eps[i:j])
		w.net.reparam(w.z[i:j], w.eps[i:j], i)
	}
}

// drawStream is one draw's generator, padded to a cache line of its own:
// generators that shared one were 3× slower, each core's writes evicting
// the other's state.
type drawStream struct {
	normal.Stream
	_ [56]byte
}
