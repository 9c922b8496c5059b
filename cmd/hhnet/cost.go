package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/analysis"
	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/report"
)

type costOptions struct {
	Out      io.Writer
	Log      io.Writer
	Model    string // a name or "all"
	Data     string
	Measure  bool
	Repeats  int
	OutDir   string
	JSON     bool
	DataDir  string
	CacheDir string
}

func newCostCmd(runF func(context.Context, *costOptions) error) *cobra.Command {
	opts := &costOptions{}
	cmd := &cobra.Command{
		Use:   "cost [--model NAME|all] [flags]",
		Short: "Count and measure each model's cost: operations, parameters, time, memory",
		Long: `Per model and per sample: multiplications and additions by the paper's dense
rules (docs/model.md §6; reproduces its figures, LIF_hh_conv corrected), the
operations the hoisted implementation executes, trainable and frozen
parameters, and, for the implemented models (--measure, default on), the
synaptic operations driven by the spikes actually emitted on the test set
(spikes × fan-out), training-step and inference time per sample at batch
128, and the heap a training step occupies.

Prints a table (or JSON with --json: {"models": {NAME: {"mul", "add",
"params", "frozen_params", ...}}}) and writes DIR/cost.json and a bar chart
DIR/cost.png of the multiplications.`,
		Example: `  hhnet cost
  hhnet cost --model LIF_fc --json
  hhnet cost --measure=false`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if opts.Model != "all" {
				if _, err := analysis.Lookup(opts.Model); err != nil {
					return &usageError{fmt.Errorf("--model: %w", err)}
				}
			}
			if _, err := dataset.ParseVariant(opts.Data); err != nil {
				return &usageError{fmt.Errorf("--data: %w", err)}
			}
			if opts.Repeats < 1 {
				return usagef("--repeats: %d, want at least 1", opts.Repeats)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCost(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "all", "a model name, or all")
	f.StringVar(&opts.Data, "data", "multi-fashion-mnist", "test set whose spikes give the synaptic operations")
	f.BoolVar(&opts.Measure, "measure", true, "measure the implemented models (spikes, time, memory)")
	f.IntVar(&opts.Repeats, "repeats", 7, "timed repetitions (the median is reported)")
	f.StringVar(&opts.OutDir, "out", filepath.Join("out", "cost"), "`DIR` for cost.json and cost.png")
	f.BoolVar(&opts.JSON, "json", false, "print JSON on stdout")
	dataFlags(f, &opts.DataDir, &opts.CacheDir)
	return cmd
}

// modelCost is one model's line of `hhnet cost`; counts are per sample.
type modelCost struct {
	Mul          int64 `json:"mul"`
	Add          int64 `json:"add"`
	ExecutedMul  int64 `json:"executed_mul"`
	ExecutedAdd  int64 `json:"executed_add"`
	Params       int64 `json:"params"`
	FrozenParams int   `json:"frozen_params"`
	Implemented  bool  `json:"implemented"`
	*analysis.Measured
}

func runCost(ctx context.Context, o *costOptions) error {
	var archs []analysis.Arch
	for _, a := range analysis.Archs() {
		if o.Model == "all" || a.Name == o.Model {
			archs = append(archs, a)
		}
	}
	var test *dataset.Multi
	doc := map[string]*modelCost{}
	var names []string
	for _, a := range archs {
		mul, add := a.Dense()
		emul, eadd := a.Executed()
		c := &modelCost{Mul: mul, Add: add, ExecutedMul: emul, ExecutedAdd: eadd, Params: a.Params(), FrozenParams: a.Frozen}
		_, err := models.Lookup(a.Name)
		c.Implemented = err == nil
		if o.Measure && c.Implemented && o.Model == "all" && slowToMeasure(a.Name) {
			fmt.Fprintf(o.Log, "not measuring %s with --model all (about 15 minutes here): hhnet cost --model %s\n", a.Name, a.Name)
		} else if o.Measure && c.Implemented {
			if test == nil {
				if _, test, err = loadData(ctx, o.Data, 0, o.DataDir, o.CacheDir, o.Log); err != nil {
					return err
				}
			}
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted before measuring %s", a.Name)
			}
			fmt.Fprintf(o.Log, "measuring %s\n", a.Name)
			m, err := analysis.Measure(a.Name, test, o.Repeats)
			if err != nil {
				return err
			}
			c.Measured = &m
		}
		doc[a.Name] = c
		names = append(names, a.Name)
	}
	out := map[string]any{"models": doc}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return err
	}
	if err := report.WriteJSON(filepath.Join(o.OutDir, "cost.json"), out); err != nil {
		return err
	}
	dense, exec := make([]float64, len(names)), make([]float64, len(names))
	for i, n := range names {
		dense[i], exec[i] = float64(doc[n].Mul)/1e6, float64(doc[n].ExecutedMul)/1e6
	}
	if err := report.GroupedBars(filepath.Join(o.OutDir, "cost.png"), "multiplications per sample", "millions",
		names, []string{"paper's dense count", "executed (hoisted)"}, [][]float64{dense, exec}); err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(o.Out, "%-12s %9s %9s %9s %9s %10s %7s %10s %9s %9s %8s\n", "model", "MUL (M)", "ADD (M)", "exec MUL", "exec ADD",
		"params", "frozen", "SynOps", "train ms", "infer ms", "mem MiB")
	for _, n := range names {
		c := doc[n]
		fmt.Fprintf(o.Out, "%-12s %9.2f %9.2f %9.2f %9.2f %10d %7d", n, float64(c.Mul)/1e6, float64(c.Add)/1e6,
			float64(c.ExecutedMul)/1e6, float64(c.ExecutedAdd)/1e6, c.Params, c.FrozenParams)
		if m := c.Measured; m != nil {
			fmt.Fprintf(o.Out, " %10.0f %9.4f %9.4f %8.1f\n", m.SynOps, m.TrainMsPerSample, m.InferMsPerSample, float64(m.StepMemoryBytes)/(1<<20))
		} else {
			fmt.Fprintf(o.Out, " %10s %9s %9s %8s\n", "–", "–", "–", "–")
		}
	}
	fmt.Fprintf(o.Out, "(per sample; train/infer ms at batch 128; wrote %s)\n", o.OutDir)
	return nil
}

// slowToMeasure tells the models whose measurement `--model all` leaves
// out: HHv_conv's spike count over the test set and timed steps take a
// quarter of an hour on a laptop.
func slowToMeasure(name string) bool { return name == "HHv_conv" }
