package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/tensor"
	"github.com/hhnet/hhnet/train"
)

type trainOptions struct {
	Out      io.Writer
	Log      io.Writer // progress and messages (stderr)
	Settings train.Settings
	runFlags // --out (default out/train/MODEL-DATA-seedN), --resume, --force, --json
	DataDir  string
	CacheDir string
	Workers  int
}

func newTrainCmd(runF func(context.Context, *trainOptions) error) *cobra.Command {
	opts := &trainOptions{}
	s := &opts.Settings
	cmd := &cobra.Command{
		Use:   "train --model NAME --data VARIANT [flags]",
		Short: "Train a multi-task model by backpropagation through time",
		Long: `Train one of the study's two-task models (docs/model.md §4) on a Multi-MNIST variant
with the published settings: Adam with L2 weight decay, batch 128, the
multi-step learning-rate schedule, 40 epochs.

Models: ` + strings.Join(models.Names(), ", ") + `.
Data:   ` + strings.Join(dataset.VariantNames(), ", ") + ` (prepared on first use).

After every epoch the test accuracy of both tasks is measured, a line is
appended to DIR/metrics.jsonl (epoch, loss, acc1, acc2 in percent,
train_seconds, …) and DIR/checkpoint.bin is replaced atomically. Ctrl-C,
SIGTERM or SIGHUP saves the position reached (even mid-epoch or during the
evaluation); --resume continues bit-exactly from it. A DIR that already
holds a run is refused unless --resume (continue it) or --force (move it
aside to DIR.old-TIMESTAMP and start afresh) is given.`,
		Example: `  hhnet train --model LIF_fc --data multi-fashion-mnist --epochs 3
  hhnet train --model HH_fc --data multi-mnist --noise 50 --out runs/hh50
  hhnet train --model LIF_fc --data multi-fashion-mnist --epochs 40 --resume --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTrain(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&s.Model, "model", "", "model: "+strings.Join(models.Names(), ", ")+" (required)")
	f.StringVar(&s.Data, "data", "", "dataset variant: "+strings.Join(dataset.VariantNames(), ", ")+" (required)")
	f.IntVar(&s.Epochs, "epochs", 40, "epochs to train in all (with --resume, the total to reach)")
	f.IntVar(&s.Batch, "batch", 128, "mini-batch size")
	// Seed 1 leaves the binary CNN silent from the start (README); 2 starts every model.
	f.Uint64Var(&s.Seed, "seed", 2, "seed of the initialisation, the batch order and the noise pattern")
	f.Float64Var(&s.Noise, "noise", 0, "amplitude A (0–255 scale) of a fixed N(0,1) noise pattern added to every image")
	f.Float64Var(&s.LR, "lr", 0, "learning rate (default: the model's published one)")
	f.Uint64Var(&s.DataSeed, "data-seed", 0, "generation seed of the dataset")
	f.IntVar(&opts.Workers, "workers", 0, "worker goroutines (0: one per core); results do not depend on it")
	subsetFlags(f, &s.TrainSubset, &s.TestSubset)
	opts.add(f, "`DIR` for checkpoint.bin and metrics.jsonl (default out/train/MODEL-DATA-seedN)",
		`print {"model", "data", "epochs": [records]} on stdout at the end`)
	dataFlags(f, &opts.DataDir, &opts.CacheDir)
	return cmd
}

func (o *trainOptions) validate() error {
	s := &o.Settings
	if s.Model == "" || s.Data == "" {
		return usagef("--model and --data are required (models: %s; data: %s)", strings.Join(models.Names(), ", "), strings.Join(dataset.VariantNames(), ", "))
	}
	if _, err := models.Lookup(s.Model); err != nil {
		return &usageError{fmt.Errorf("--model: %w", err)}
	}
	if _, err := dataset.ParseVariant(s.Data); err != nil {
		return &usageError{fmt.Errorf("--data: %w", err)}
	}
	if s.Epochs < 1 {
		return usagef("--epochs: %d, want at least 1", s.Epochs)
	}
	if s.Batch < 1 || s.Batch > 4096 {
		return usagef("--batch: %d, want 1 to 4096", s.Batch)
	}
	if s.Noise < 0 || s.Noise > 255 || s.Noise != s.Noise {
		return usagef("--noise: %v, want an amplitude in [0, 255]", s.Noise)
	}
	if o.Workers < 0 {
		return usagef("--workers: %d, want 0 (one per core) or more", o.Workers)
	}
	if err := checkSubsets(s.TrainSubset, s.TestSubset); err != nil {
		return err
	}
	if s.LR < 0 || s.LR != s.LR || s.LR > 1 {
		return usagef("--lr: %v, want a rate in (0, 1]", s.LR)
	}
	if err := o.check(); err != nil {
		return err
	}
	if o.OutDir == "" {
		name := fmt.Sprintf("%s-%s-seed%d", s.Model, s.Data, s.Seed)
		if s.Noise != 0 {
			name += fmt.Sprintf("-noise%g", s.Noise)
		}
		o.OutDir = filepath.Join("out", "train", name)
	}
	return nil
}

// loadData loads both splits of a variant, preparing them if needed and saying so.
func loadData(ctx context.Context, variant string, seed uint64, dataDir, cacheDir string, log io.Writer) (trainSet, testSet *dataset.Multi, err error) {
	v, err := dataset.ParseVariant(variant)
	if err != nil {
		return nil, nil, err
	}
	o := &dataOptions{DataDir: dataDir, CacheDir: cacheDir, Seed: seed, Log: log}
	store, err := o.store()
	if err != nil {
		return nil, nil, err
	}
	var sets [2]*dataset.Multi
	for i, split := range []dataset.Split{dataset.Train, dataset.Test} {
		if _, err := store.Cached(v.Name, split, seed); err != nil {
			fmt.Fprintf(log, "preparing %s/%s (not in the cache yet)\n", v.Name, split)
		}
		if sets[i], _, err = loadLogged(ctx, store, v, split, o); err != nil {
			return nil, nil, err
		}
	}
	return sets[0], sets[1], nil
}

func runTrain(ctx context.Context, o *trainOptions) error {
	if err := o.claim(train.PrepareDir, train.ErrRunExists, o.Log); err != nil {
		return err
	}
	trainSet, testSet, err := loadData(ctx, o.Settings.Data, o.Settings.DataSeed, o.DataDir, o.CacheDir, o.Log)
	if err != nil {
		return err
	}
	rec := newTrainRecorder(o.Log)
	defer rec.close()
	fmt.Fprintf(o.Log, "training %s on %s (GEMM: %s), writing %s\n", o.Settings.Model, o.Settings.Data, tensor.Backend, o.OutDir)
	run := &train.Run{Settings: o.Settings, Train: trainSet, Test: testSet, Dir: o.OutDir, Resume: o.Resume, Recorder: rec, Workers: o.Workers}
	recs, err := run.Execute(ctx)
	rec.close()
	if errors.Is(err, train.ErrInterrupted) {
		return fmt.Errorf("stopped; the position reached is saved in %s — continue with the same flags and --resume",
			filepath.Join(o.OutDir, train.CheckpointFile))
	}
	if err != nil {
		return err
	}
	if o.JSON {
		if recs == nil {
			recs = []train.Record{}
		}
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Model  string         `json:"model"`
			Data   string         `json:"data"`
			Epochs []train.Record `json:"epochs"`
		}{o.Settings.Model, o.Settings.Data, recs})
	}
	if n := len(recs); n > 0 {
		last := recs[n-1]
		fmt.Fprintf(o.Out, "%s on %s: epoch %d test accuracy task 1 %.2f %%, task 2 %.2f %%\n", o.Settings.Model, o.Settings.Data, last.Epoch, last.Acc1, last.Acc2)
	}
	return nil
}

// progress draws a bar per epoch on a terminal; elsewhere (a log file) it
// prints a line at every tenth of an epoch.
type progress struct {
	log      io.Writer
	terminal bool
	bar      *progressbar.ProgressBar
	epoch    int
}

func newProgress(log io.Writer) *progress {
	p := &progress{log: log, epoch: -1}
	if f, ok := log.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

// update reports batch (1-based) of batches in epoch (0-based) of epochs;
// desc says how it goes.
func (p *progress) update(epoch, epochs, batch, batches int, desc string) {
	if !p.terminal {
		if every := max(1, batches/10); batch%every == 0 && batch < batches {
			fmt.Fprintf(p.log, "epoch %d/%d: batch %d/%d, %s\n", epoch+1, epochs, batch, batches, desc)
		}
		return
	}
	if p.bar == nil || epoch != p.epoch {
		p.close()
		p.epoch = epoch
		p.bar = progressbar.NewOptions(batches, progressbar.OptionSetWriter(p.log),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("batch"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	p.bar.Describe(fmt.Sprintf("epoch %d/%d  %s", epoch+1, epochs, desc))
	p.bar.Set(batch)
}

func (p *progress) close() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// trainRecorder shows a training run's progress; every epoch ends with a
// summary line.
type trainRecorder struct{ *progress }

func newTrainRecorder(log io.Writer) *trainRecorder { return &trainRecorder{newProgress(log)} }

func (r *trainRecorder) Batch(p train.Progress) {
	r.update(p.Epoch, p.Epochs, p.Batch, p.Batches,
		fmt.Sprintf("loss %.4f, running accuracy %.1f / %.1f %%", p.Loss, p.TrainAcc1, p.TrainAcc2))
}

func (r *trainRecorder) Epoch(rec train.Record) {
	r.close()
	fmt.Fprintf(r.log, "epoch %d: loss %.4f, test accuracy %.2f %% / %.2f %% (train %.2f / %.2f), lr %g, %.1f s\n",
		rec.Epoch, rec.Loss, rec.Acc1, rec.Acc2, rec.TrainAcc1, rec.TrainAcc2, rec.LR, rec.TrainSeconds)
	if rec.ReadoutRate == 0 {
		fmt.Fprintf(r.log, "warning: the read-out layer received no spikes on the test set: the network is silent, "+
			"so nothing below the read-out learns. Some initialisations of the binary CNN stay silent for good; try another --seed\n")
	}
}
