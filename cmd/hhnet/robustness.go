package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/report"
	"github.com/hhnet/hhnet/train"
)

type robustnessOptions struct {
	Out        io.Writer
	Log        io.Writer
	Models     []string
	Data       string
	Amplitudes []float64
	Epochs     int
	Seed       uint64
	OutDir     string
	JSON       bool
	DataDir    string
	CacheDir   string
	Workers    int
	Subset     int
	TestSubset int
}

func newRobustnessCmd(runF func(context.Context, *robustnessOptions) error) *cobra.Command {
	opts := &robustnessOptions{}
	var modelList, amps string
	cmd := &cobra.Command{
		Use:   "robustness --model NAME[,NAME…] --data VARIANT [flags]",
		Short: "Train models under input noise of several amplitudes and compare",
		Long: `Noise robustness (docs/model.md §4): for every model and amplitude A, train on a
variant with one fixed noise pattern A·N(0,1) (A on the 0–255 scale, drawn
from the seed) added to every training and test image, with milestones
10, 20, 30 for every run as published. Each run lives in DIR/MODEL-noiseA
and resumes where it stopped, so an interrupted sweep continues when run
again; finished runs are read, not retrained.

Writes DIR/robustness.csv (model, amplitude, epochs, acc1, acc2) and
DIR/robustness.png (final test accuracy against amplitude, one panel per
task); --json prints the table as JSON.`,
		Example: `  hhnet robustness --model LIF_fc,HH_fc --data multi-fashion-mnist --amplitudes 0,25,50,75 --epochs 3`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if err := opts.parse(modelList, amps); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRobustness(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelList, "model", "", "comma-separated models (required)")
	f.StringVar(&opts.Data, "data", "", "dataset variant (required)")
	f.StringVar(&amps, "amplitudes", "0,25,50,75", "comma-separated noise amplitudes on the 0–255 scale")
	f.IntVar(&opts.Epochs, "epochs", 40, "epochs per run")
	f.Uint64Var(&opts.Seed, "seed", 2, "seed of initialisation, batch order and noise pattern (as hhnet train)")
	f.StringVar(&opts.OutDir, "out", filepath.Join("out", "robustness"), "`DIR` for the runs, the table and the figure")
	f.BoolVar(&opts.JSON, "json", false, "print the table as JSON on stdout")
	f.IntVar(&opts.Workers, "workers", 0, "worker goroutines per run (0: one per core); results do not depend on it")
	subsetFlags(f, &opts.Subset, &opts.TestSubset)
	dataFlags(f, &opts.DataDir, &opts.CacheDir)
	return cmd
}

func (o *robustnessOptions) parse(modelList, amps string) error {
	if modelList == "" || o.Data == "" {
		return usagef("--model and --data are required")
	}
	for _, m := range strings.Split(modelList, ",") {
		m = strings.TrimSpace(m)
		if _, err := models.Lookup(m); err != nil {
			return &usageError{fmt.Errorf("--model: %w", err)}
		}
		o.Models = append(o.Models, m)
	}
	if _, err := dataset.ParseVariant(o.Data); err != nil {
		return &usageError{fmt.Errorf("--data: %w", err)}
	}
	for _, a := range strings.Split(amps, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err != nil || !(v >= 0 && v <= 255) {
			return usagef("--amplitudes: %q is not an amplitude in [0, 255]", a)
		}
		o.Amplitudes = append(o.Amplitudes, v)
	}
	if o.Epochs < 1 {
		return usagef("--epochs: %d, want at least 1", o.Epochs)
	}
	if o.Workers < 0 {
		return usagef("--workers: %d, want 0 (one per core) or more", o.Workers)
	}
	if err := checkSubsets(o.Subset, o.TestSubset); err != nil {
		return err
	}
	return nil
}

// robustnessRow is one run's final result.
type robustnessRow struct {
	Model     string  `json:"model"`
	Amplitude float64 `json:"amplitude"`
	Epochs    int     `json:"epochs"`
	Acc1      float64 `json:"acc1"`
	Acc2      float64 `json:"acc2"`
}

func runRobustness(ctx context.Context, o *robustnessOptions) error {
	trainSet, testSet, err := loadData(ctx, o.Data, 0, o.DataDir, o.CacheDir, o.Log)
	if err != nil {
		return err
	}
	var rows []robustnessRow
	for _, m := range o.Models {
		for _, a := range o.Amplitudes {
			dir := filepath.Join(o.OutDir, fmt.Sprintf("%s-noise%g", m, a))
			fmt.Fprintf(o.Log, "%s, noise %g: %s\n", m, a, dir)
			rec := newTrainRecorder(o.Log)
			run := &train.Run{
				Settings: train.Settings{Model: m, Data: o.Data, Epochs: o.Epochs, Seed: o.Seed, Noise: a, Milestones: []int{10, 20, 30}, TrainSubset: o.Subset, TestSubset: o.TestSubset},
				Train:    trainSet, Test: testSet, Dir: dir, Resume: true, Recorder: rec, Workers: o.Workers,
			}
			recs, err := run.Execute(ctx)
			rec.close()
			if errors.Is(err, train.ErrInterrupted) {
				return fmt.Errorf("interrupted during %s at noise %g; run the same command again to continue", m, a)
			}
			if err != nil {
				return fmt.Errorf("%s at noise %g: %w", m, a, err)
			}
			last := recs[len(recs)-1]
			rows = append(rows, robustnessRow{Model: m, Amplitude: a, Epochs: last.Epoch, Acc1: last.Acc1, Acc2: last.Acc2})
		}
	}
	if err := writeRobustness(o, rows); err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"data": o.Data, "runs": rows})
	}
	fmt.Fprintf(o.Out, "%-10s %9s %6s %8s %8s\n", "model", "amplitude", "epochs", "acc1 %", "acc2 %")
	for _, r := range rows {
		fmt.Fprintf(o.Out, "%-10s %9g %6d %8.2f %8.2f\n", r.Model, r.Amplitude, r.Epochs, r.Acc1, r.Acc2)
	}
	fmt.Fprintf(o.Out, "wrote %s and %s\n", filepath.Join(o.OutDir, "robustness.csv"), filepath.Join(o.OutDir, "robustness.png"))
	return nil
}

func writeRobustness(o *robustnessOptions, rows []robustnessRow) error {
	var table [][]string
	curves := map[string]*[2]report.Series{}
	for _, r := range rows {
		table = append(table, []string{r.Model, strconv.FormatFloat(r.Amplitude, 'g', -1, 64), strconv.Itoa(r.Epochs),
			strconv.FormatFloat(r.Acc1, 'f', 2, 64), strconv.FormatFloat(r.Acc2, 'f', 2, 64)})
		c, ok := curves[r.Model]
		if !ok {
			c = &[2]report.Series{{Name: r.Model}, {Name: r.Model}}
			curves[r.Model] = c
		}
		for k, acc := range []float64{r.Acc1, r.Acc2} {
			c[k].X = append(c[k].X, r.Amplitude)
			c[k].Y = append(c[k].Y, acc)
		}
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return err
	}
	if err := report.WriteCSV(filepath.Join(o.OutDir, "robustness.csv"), []string{"model", "amplitude", "epochs", "acc1", "acc2"}, table); err != nil {
		return err
	}
	var panels [2][]report.Series
	for _, m := range o.Models {
		for k := range panels {
			panels[k] = append(panels[k], curves[m][k])
		}
	}
	titles := []string{o.Data + ": task 1 (top-left item)", o.Data + ": task 2 (bottom-right item)"}
	return report.LinePanels(filepath.Join(o.OutDir, "robustness.png"), titles, "noise amplitude A (0–255 scale)", "test accuracy (%)", panels[:])
}
