package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/report"
	"github.com/hhnet/hhnet/rl/mujoco"
	"github.com/hhnet/hhnet/study"
	"github.com/hhnet/hhnet/sweep"
)

func newReproduceCmd() *cobra.Command {
	var scale string
	opts := &sweepOptions{}
	cmd := &cobra.Command{
		Use:   "reproduce [--scale smoke|quick|full] [--dir DIR] [--executor local|slurm]",
		Short: "Run the whole study as one sweep and write its report",
		Long: `Plan the shipped sweep of every experiment of the study (Fig. 3d and
Supp. Fig. 2 simulations, the Fig. 4c table on three datasets, Fig. 4h
robustness, Fig. 4d and 4i RL curves, Fig. 5b cost, Fig. 5d mutual
information, HHv beside HH) into DIR, run it, and write DIR/report.html
(self-contained) and DIR/report.md.

  smoke  every experiment, tiny (minutes; what CI runs)
  quick  shortened (about half an hour on a two-core laptop)
  full   the published protocol (days: use a cluster, --executor slurm)

Running it again continues where it stopped (finished runs are read, not
redone). Without MuJoCo in this build the RL runs are left out and the
report says so. With --executor slurm the runs are submitted as a job
array and followed until done (see hhnet sweep submit --help).`,
		Example: `  hhnet reproduce --scale smoke
  hhnet reproduce --scale quick --jobs 2
  hhnet reproduce --scale full --executor slurm --dir /scratch/study --sbatch-arg=--time=8:00:00`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Out, opts.Log = c.OutOrStdout(), c.ErrOrStderr()
			if opts.Dir == "" {
				opts.Dir = filepath.Join("out", "study-"+scale)
			}
			switch {
			case opts.Executor != "local" && opts.Executor != "slurm":
				return usagef("--executor %q: want local or slurm", opts.Executor)
			case opts.Jobs < 0:
				return usagef("--jobs: %d, want 0 (one per core) or more", opts.Jobs)
			}
			f, text, err := study.Sweep(scale, mujocoBuilt())
			if err != nil {
				return &usageError{fmt.Errorf("--scale: %w", err)}
			}
			m, added, err := sweep.Plan(opts.Dir, f, text)
			if err != nil {
				return err
			}
			fmt.Fprintf(opts.Log, "%s: the %s study, %d runs (%d new)\n", opts.Dir, scale, len(m.Runs), added)
			if !mujocoBuilt() {
				fmt.Fprintf(opts.Log, "without the RL runs: %v\n", mujoco.ErrUnavailable)
			}
			var runErr error
			if opts.Executor == "slurm" {
				opts.Wait = true
				runErr = runSweepSlurm(c.Context(), opts)
			} else {
				runErr = runSweepSubmit(c.Context(), opts)
			}
			if c.Context().Err() != nil {
				return runErr
			}
			if err := writeStudyReport(opts.Dir, opts.Out); err != nil {
				return errors.Join(runErr, err)
			}
			return runErr
		},
	}
	f := cmd.Flags()
	f.StringVar(&scale, "scale", "smoke", "the study's size: "+strings.Join(study.Scales(), ", "))
	f.StringVar(&opts.Dir, "dir", "", "the sweep's `DIR` (default out/study-SCALE)")
	f.StringVar(&opts.Executor, "executor", "local", "local (processes on this machine) or slurm (a job array)")
	f.IntVar(&opts.Jobs, "jobs", 0, "runs at a time (0: one per core here; on slurm the array's throttle, 0: none)")
	f.IntVar(&opts.Workers, "workers", 0, "--workers of each run (0: cores / --jobs here; 1 per Slurm task)")
	f.BoolVar(&opts.Retry, "retry-failed", false, "run failed runs again too")
	f.StringArrayVar(&opts.SbatchArgs, "sbatch-arg", nil, "slurm: an sbatch option for the job (repeatable)")
	return cmd
}

// mujocoBuilt tells whether this build can run the RL experiments.
func mujocoBuilt() bool {
	env, err := mujoco.New(mujoco.InvertedPendulum)
	if err != nil {
		return false
	}
	env.Close()
	return true
}

func newReportCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "report --dir DIR",
		Short: "Write the study report of a sweep folder: DIR/report.html and DIR/report.md",
		Long: `Gather the results of a study sweep (hhnet reproduce, or any sweep of the
same commands) into sections named after the study's figures — Fig. 3d,
Supp. Fig. 2, Fig. 4c, 4d, 4h, 4i, 5b, 5d — each with its tables (mean ±
s.d. over seeds), figures of the published kind, the published set-up beside
ours with every difference stated, and the command and time of every run.
report.html embeds its figures (no network needed to view it); report.md
links to DIR/report-figures/. Unfinished runs are named and left out.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("--dir is required")
			}
			return writeStudyReport(dir, c.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the sweep's `DIR` (required)")
	return cmd
}

// writeStudyReport writes DIR/report.html and DIR/report.md.
func writeStudyReport(dir string, out io.Writer) error {
	figDir := filepath.Join(dir, "report-figures")
	d, err := studyDocument(dir, filepath.Join(figDir, "drawn"))
	if err != nil {
		return err
	}
	if err := report.WriteHTML(filepath.Join(dir, "report.html"), d); err != nil {
		return err
	}
	if err := report.WriteMarkdown(dir, "report.md", d); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s and %s\n", filepath.Join(dir, "report.html"), filepath.Join(dir, "report.md"))
	return nil
}
