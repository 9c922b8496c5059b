package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/train"
)

type evalOptions struct {
	Out        io.Writer
	Log        io.Writer
	Checkpoint string
	JSON       bool
	DataDir    string
	CacheDir   string
}

func newEvalCmd(runF func(context.Context, *evalOptions) error) *cobra.Command {
	opts := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval --checkpoint FILE [flags]",
		Short: "Re-evaluate a trained checkpoint on its test set",
		Long: `Load a checkpoint written by hhnet train and measure both tasks' accuracy on
the test split of its dataset (with its noise pattern, if it was trained
with one).`,
		Example: "  hhnet eval --checkpoint out/train/LIF_fc-multi-fashion-mnist-seed1/checkpoint.bin --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if opts.Checkpoint == "" {
				return usagef("--checkpoint is required")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEval(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Checkpoint, "checkpoint", "", "`FILE` written by hhnet train (required)")
	f.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	dataFlags(f, &opts.DataDir, &opts.CacheDir)
	return cmd
}

func runEval(ctx context.Context, o *evalOptions) error {
	ck, err := train.ReadCheckpoint(o.Checkpoint)
	if err != nil {
		return err
	}
	st, err := train.LoadStepper(ck)
	if err != nil {
		return fmt.Errorf("%s: %w", o.Checkpoint, err)
	}
	s := ck.Settings
	_, testSet, err := loadData(ctx, s.Data, s.DataSeed, o.DataDir, o.CacheDir, o.Log)
	if err != nil {
		return err
	}
	b, err := dataset.NewBatches(testSet, s.Batch, 0, false, dataset.NoisePattern(s.Noise, s.Seed))
	if err != nil {
		return err
	}
	defer st.Close()
	acc1, acc2, readout, err := train.Evaluate(ctx, st, b)
	if err != nil {
		return fmt.Errorf("evaluation interrupted: %w", err)
	}
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"model": s.Model, "data": s.Data, "epochs_trained": len(ck.Records),
			"noise": s.Noise, "n": testSet.N, "acc1": acc1, "acc2": acc2, "readout_rate": readout})
	}
	fmt.Fprintf(o.Out, "%s on %s after %d epochs: test accuracy task 1 %.2f %%, task 2 %.2f %% (%d images)\n",
		s.Model, s.Data, len(ck.Records), acc1, acc2, testSet.N)
	return nil
}
