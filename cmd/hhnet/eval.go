package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/nn"
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
with one). For HHv_fc it also reports the hidden layer's firing on the
first 1024 test images: the mean rate, the silent fraction, the peak
membrane voltage and the fraction of neurons whose V passes 80 mV.`,
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
	firing, hasFiring, err := hhvFiring(ctx, st, b)
	if err != nil {
		return fmt.Errorf("evaluation interrupted: %w", err)
	}
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		doc := map[string]any{"model": s.Model, "data": s.Data, "epochs_trained": len(ck.Records),
			"noise": s.Noise, "n": testSet.N, "acc1": acc1, "acc2": acc2, "readout_rate": readout}
		if hasFiring {
			doc["firing"] = map[string]float64{"mean_rate": firing.MeanRate, "silent": firing.Silent,
				"peak_mv": firing.PeakV, "above_80mv": firing.Above80}
		}
		return enc.Encode(doc)
	}
	fmt.Fprintf(o.Out, "%s on %s after %d epochs: test accuracy task 1 %.2f %%, task 2 %.2f %% (%d images)\n",
		s.Model, s.Data, len(ck.Records), acc1, acc2, testSet.N)
	if hasFiring {
		fmt.Fprintf(o.Out, "HHv layer on the first %d test images: %.4f spikes per neuron-step, %.1f %% of the neurons silent, peak V %.1f mV, %.1f %% of the neurons above 80 mV\n",
			firingImages, firing.MeanRate, 100*firing.Silent, firing.PeakV, 100*firing.Above80)
	}
	return nil
}

// firingImages is how many test images the HHv firing statistics use:
// they run the neurons' Go code one at a time.
const firingImages = 1024

// hhvFiring measures an HHv_fc model's hidden layer on the first
// firingImages images of b (ok is false for other models).
func hhvFiring(ctx context.Context, st *train.Stepper, b *dataset.Batches) (f nn.HHvFiring, ok bool, err error) {
	fc, isFC := st.Model.(*models.FC[float32])
	if !isFC {
		return f, false, nil
	}
	b.Epoch(0)
	var sum nn.HHvFiring
	images := 0
	for images < firingImages {
		if ctx.Err() != nil {
			return f, false, ctx.Err()
		}
		x, labels, n, more := b.Next()
		if !more {
			break
		}
		st.Eval(x, labels, n)
		g, isHHv := fc.HHvFiring()
		if !isHHv {
			return f, false, nil
		}
		w := float64(n)
		sum.MeanRate += w * g.MeanRate
		sum.Silent += w * g.Silent
		sum.Above80 += w * g.Above80
		sum.PeakV = max(sum.PeakV, g.PeakV)
		images += n
	}
	w := float64(max(images, 1))
	return nn.HHvFiring{MeanRate: sum.MeanRate / w, Silent: sum.Silent / w, PeakV: sum.PeakV, Above80: sum.Above80 / w}, true, nil
}
