package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/analysis/vib"
	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/report"
)

type miOptions struct {
	Out     io.Writer
	Log     io.Writer
	Config  vib.Config
	Workers int
	runFlags
	DataDir  string
	CacheDir string
}

func newMICmd(runF func(context.Context, *miOptions) error) *cobra.Command {
	opts := &miOptions{}
	c := &opts.Config
	cmd := &cobra.Command{
		Use:   "mi --encoder NAME [flags]",
		Short: "Mutual information of a spiking layer, by a variational information bottleneck",
		Long: `Train a deep variational information bottleneck over a spiking encoder
(docs/model.md §7) and measure, every epoch on the test set with a moving
average of the weights, in bits per sample: I(Z;X) ≤ E[KL] and
I(Z;Y) ≥ H(Y) − (CE₁ + CE₂)/ln 2 (and each task's own bound), with the
accuracies of one draw of z and of 12 draws averaged.

Encoders: ` + strings.Join(vib.EncoderNames(), ", ") + ` (512 units each; 4LIF has 2048; HHv is
Hodgkin–Huxley with voltage-dependent gating).

The loss is (CE₁ + CE₂ + β·KL) in bits. --published trains as the study's
code did (CE₁ + CE₂ only; the KL is measured, not trained), the same as
--beta 0. Writes DIR/mi.jsonl (one record per epoch) and DIR/checkpoint.bin;
stops cleanly on Ctrl-C, SIGTERM or SIGHUP and continues bit for bit with
--resume. 'hhnet mi plot DIR...' draws the information plane and the bars.`,
		Example: `  hhnet mi --encoder LIF --epochs 20
  hhnet mi --encoder HH --epochs 20 --json
  hhnet mi --encoder LIF --epochs 20 --published --out out/mi/LIF-published
  hhnet mi plot out/mi/LIF-multi-fashion-mnist-seed2 out/mi/HH-multi-fashion-mnist-seed2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runMI(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Encoder, "encoder", "", "spiking encoder: "+strings.Join(vib.EncoderNames(), ", ")+" (required)")
	f.StringVar(&c.Data, "data", "multi-fashion-mnist", "dataset variant: "+strings.Join(dataset.VariantNames(), ", "))
	f.IntVar(&c.Epochs, "epochs", 200, "epochs to train in all (with --resume, the total to reach)")
	f.IntVar(&c.Batch, "batch", 128, "mini-batch size")
	f.Float64Var(&c.Beta, "beta", 1e-3, "weight β of the KL term in the loss")
	f.BoolVar(&c.Published, "published", false, "train as the study's code: loss CE₁ + CE₂ only (the KL measured, not trained)")
	f.Uint64Var(&c.Seed, "seed", 2, "seed of the initialisation, the batch order and the draws of z")
	f.Uint64Var(&c.DataSeed, "data-seed", 0, "generation seed of the dataset")
	subsetFlags(f, &c.TrainSubset, &c.TestSubset)
	f.IntVar(&opts.Workers, "workers", 0, "worker goroutines (0: one per core); results do not depend on it")
	opts.add(f, "`DIR` for mi.jsonl and checkpoint.bin (default out/mi/ENCODER-DATA-seedN, with -betaB or -published when not the default)",
		`print {"encoder", "data", "epochs": [records], "best": record} on stdout at the end`)
	dataFlags(f, &opts.DataDir, &opts.CacheDir)
	cmd.AddCommand(newMIPlotCmd(nil))
	return cmd
}

func (o *miOptions) validate() error {
	c := &o.Config
	if c.Encoder == "" {
		return usagef("--encoder is required (%s)", strings.Join(vib.EncoderNames(), ", "))
	}
	if _, err := vib.LookupEncoder(c.Encoder); err != nil {
		return &usageError{fmt.Errorf("--encoder: %w", err)}
	}
	if _, err := dataset.ParseVariant(c.Data); err != nil {
		return &usageError{fmt.Errorf("--data: %w", err)}
	}
	if c.Epochs < 1 {
		return usagef("--epochs: %d, want at least 1", c.Epochs)
	}
	if c.Batch < 1 || c.Batch > 4096 {
		return usagef("--batch: %d, want 1 to 4096", c.Batch)
	}
	if !(c.Beta >= 0) || math.IsInf(c.Beta, 0) {
		return usagef("--beta: %v, want a finite weight ≥ 0", c.Beta)
	}
	if o.Workers < 0 {
		return usagef("--workers: %d, want ≥ 0 (0: one per core)", o.Workers)
	}
	if err := checkSubsets(c.TrainSubset, c.TestSubset); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	if o.OutDir == "" {
		name := fmt.Sprintf("%s-%s-seed%d", c.Encoder, c.Data, c.Seed)
		switch {
		case c.Published:
			name += "-published"
		case c.Beta != 1e-3:
			name += "-beta" + strconv.FormatFloat(c.Beta, 'g', -1, 64)
		}
		o.OutDir = filepath.Join("out", "mi", name)
	}
	return nil
}

func runMI(ctx context.Context, o *miOptions) error {
	if err := o.claim(vib.PrepareDir, vib.ErrRunExists, o.Log); err != nil {
		return err
	}
	trainSet, testSet, err := loadData(ctx, o.Config.Data, o.Config.DataSeed, o.DataDir, o.CacheDir, o.Log)
	if err != nil {
		return err
	}
	rec := &miRecorder{newProgress(o.Log)}
	defer rec.close()
	fmt.Fprintf(o.Log, "information bottleneck over the %s encoder on %s, writing %s\n", o.Config.Encoder, o.Config.Data, o.OutDir)
	run := &vib.Run{Config: o.Config, Train: trainSet, Test: testSet, Dir: o.OutDir, Resume: o.Resume, Workers: o.Workers, Recorder: rec}
	recs, err := run.Execute(ctx)
	rec.close()
	if errors.Is(err, vib.ErrInterrupted) {
		return fmt.Errorf("stopped; the position reached is saved in %s — continue with the same flags and --resume",
			filepath.Join(o.OutDir, vib.CheckpointFile))
	}
	if err != nil {
		return err
	}
	best, _ := vib.Best(recs)
	if o.JSON {
		if recs == nil {
			recs = []vib.Record{}
		}
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Encoder string       `json:"encoder"`
			Data    string       `json:"data"`
			Epochs  []vib.Record `json:"epochs"`
			Best    vib.Record   `json:"best"`
		}{o.Config.Encoder, o.Config.Data, recs, best})
	}
	fmt.Fprintf(o.Out, "%s on %s: best epoch %d: I(Z;X) ≤ %.2f bits, I(Z;Y) ≥ %.3f bits, 12-draw accuracy %.2f / %.2f %%\n",
		o.Config.Encoder, o.Config.Data, best.Epoch, best.IZX, best.IZY, best.Acc12_1, best.Acc12_2)
	return nil
}

// miRecorder shows a bottleneck run's progress and a line per epoch.
type miRecorder struct{ *progress }

func (r *miRecorder) Batch(p vib.Progress) {
	r.update(p.Epoch, p.Epochs, p.Batch, p.Batches, fmt.Sprintf("loss %.4f bits", p.Loss))
}

func (r *miRecorder) Epoch(rec vib.Record) {
	r.close()
	fmt.Fprintf(r.log, "epoch %d: loss %.3f bits (KL %.2f), I(Z;X) ≤ %.2f, I(Z;Y) ≥ %.3f bits, accuracy %.2f / %.2f %% (12 draws %.2f / %.2f), %.1f s\n",
		rec.Epoch, rec.Loss, rec.TrainKL, rec.IZX, rec.IZY, rec.Acc1, rec.Acc2, rec.Acc12_1, rec.Acc12_2, rec.TrainSeconds)
}

func newMIPlotCmd(runF func(context.Context, []string, string, io.Writer) error) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "plot DIR... [--out DIR]",
		Short: "Draw the information plane and the bars of finished bottleneck runs",
		Long: `Read the mi.jsonl of each run folder and draw:

  infoplane.png  I(Z;X) against I(Z;Y), one trajectory per run, epochs as points
  bars.png       I(Z;X) and I(Z;Y) of each run at its best epoch (12-draw accuracy)

and write bars.csv with the numbers. Runs are labelled by their encoder
(from the checkpoint), with -published or the β when not the default.`,
		Example: `  hhnet mi plot out/mi/LIF-multi-fashion-mnist-seed2 out/mi/HH-multi-fashion-mnist-seed2 --out out/mi`,
		Args: func(_ *cobra.Command, dirs []string) error {
			if len(dirs) == 0 {
				return usagef("mi plot needs at least one run folder")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, dirs []string) error {
			if runF != nil {
				return runF(cmd.Context(), dirs, out, cmd.OutOrStdout())
			}
			return runMIPlot(dirs, out, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&out, "out", filepath.Join("out", "mi"), "`DIR` for infoplane.png, bars.png and bars.csv")
	return cmd
}

// miLabel names a run by its checkpoint's settings, else its folder.
func miLabel(dir string) string {
	ck, err := vib.ReadCheckpoint(filepath.Join(dir, vib.CheckpointFile))
	if err != nil {
		return filepath.Base(dir)
	}
	c := ck.Config
	switch {
	case c.Published:
		return c.Encoder + " (published)"
	case c.Beta != 1e-3:
		return fmt.Sprintf("%s β=%g", c.Encoder, c.Beta)
	}
	return c.Encoder
}

func runMIPlot(dirs []string, out string, stdout io.Writer) error {
	var curves []report.Series
	var labels []string
	var izx, izy []float64
	rows := [][]string{}
	for _, dir := range dirs {
		recs, err := vib.ReadMetrics(filepath.Join(dir, vib.MetricsFile))
		if err != nil {
			return err
		}
		best, ok := vib.Best(recs)
		if !ok {
			return fmt.Errorf("%s: no finished epoch yet", filepath.Join(dir, vib.MetricsFile))
		}
		label := miLabel(dir)
		s := report.Series{Name: label}
		for _, r := range recs {
			s.X, s.Y = append(s.X, r.IZX), append(s.Y, r.IZY)
		}
		curves = append(curves, s)
		labels, izx, izy = append(labels, label), append(izx, best.IZX), append(izy, best.IZY)
		rows = append(rows, []string{label, strconv.Itoa(best.Epoch), fmtF(best.IZX), fmtF(best.IZY), fmtF(best.IZY1), fmtF(best.IZY2),
			fmtF(best.Acc12_1), fmtF(best.Acc12_2)})
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := report.Trajectories(filepath.Join(out, "infoplane.png"), "Information plane (test set, each point an epoch)",
		"I(Z;X) upper bound (bits, log scale)", "I(Z;Y) lower bound (bits)", curves, true); err != nil {
		return err
	}
	if err := report.BarPanels(filepath.Join(out, "bars.png"),
		[]string{"I(Z;X) upper bound at the best epoch", "I(Z;Y) lower bound at the best epoch"}, "bits",
		labels, [][]float64{izx, izy}); err != nil {
		return err
	}
	if err := report.WriteCSV(filepath.Join(out, "bars.csv"),
		[]string{"run", "best_epoch", "izx_bits", "izy_bits", "izy1_bits", "izy2_bits", "acc12_1", "acc12_2"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s and %s\n", filepath.Join(out, "infoplane.png"), filepath.Join(out, "bars.png"), filepath.Join(out, "bars.csv"))
	return nil
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
