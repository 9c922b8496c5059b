package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/report"
	"github.com/hhnet/hhnet/sweep"
)

type sweepOptions struct {
	Out, Log   io.Writer
	Dir        string
	Index      int
	Workers    int
	Jobs       int
	Executor   string
	Retry      bool
	JSON       bool
	File       string
	DryRun     bool
	Image      string
	Claim      string
	SbatchArgs []string
	Wait       bool
}

func newSweepCmd() *cobra.Command {
	opts := &sweepOptions{}
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Plan, run and follow a grid of runs described by a sweep file",
		Long: `A sweep file (TOML) names grids of hhnet commands; every list among a
group's flags is an axis of its grid:

  [[run]]
  command = "train"
  [run.flags]
  model = ["LIF_fc", "HH_fc"]
  data = "multi-fashion-mnist"
  seed = [1, 2, 3]
  epochs = 3

'sweep plan' expands it into DIR/manifest.json, one indexed run per command
line (planning again after adding seeds appends runs, never renumbers);
'sweep submit' runs the unfinished ones, several at a time, dividing the
cores among them; 'sweep run-task' runs one (a finished run is left alone,
an unfinished one resumes from its checkpoint); 'sweep status' reads every
run's state from its files. Run i writes into DIR/runs/i/out, its output to
DIR/runs/i/log.txt and its state to DIR/runs/i/state.json.`,
		Example: `  hhnet sweep plan study.toml --dir sweeps/study
  hhnet sweep submit --dir sweeps/study --jobs 2
  hhnet sweep status --dir sweeps/study`,
	}
	dirFlag := func(c *cobra.Command) {
		c.Flags().StringVar(&opts.Dir, "dir", "", "the sweep's `DIR` (required)")
	}
	needDir := func(c *cobra.Command) error {
		opts.Out, opts.Log = c.OutOrStdout(), c.ErrOrStderr()
		if opts.Dir == "" {
			return usagef("--dir is required")
		}
		return nil
	}

	plan := &cobra.Command{
		Use:   "plan FILE --dir DIR",
		Short: "Expand a sweep file into DIR's manifest of indexed runs",
		Args:  exactArgs(1, "one sweep file"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := needDir(c); err != nil {
				return err
			}
			opts.File = args[0]
			return runSweepPlan(opts)
		},
	}
	dirFlag(plan)

	task := &cobra.Command{
		Use:   "run-task --dir DIR --index I",
		Short: "Run one run of a planned sweep (idempotent; resumes an unfinished one)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := needDir(c); err != nil {
				return err
			}
			if opts.Index < 0 {
				return usagef("--index is required (a run's index in the manifest)")
			}
			if opts.Workers < 0 {
				return usagef("--workers: %d, want 0 (the command's default) or more", opts.Workers)
			}
			return runSweepTask(c.Context(), opts)
		},
	}
	dirFlag(task)
	task.Flags().IntVar(&opts.Index, "index", -1, "the run's index in DIR/manifest.json (required)")
	task.Flags().IntVar(&opts.Workers, "workers", 0, "--workers for commands that take it (0: their default)")

	status := &cobra.Command{
		Use:   "status --dir DIR",
		Short: "Show every run's state (pending, queued, running, done, failed, interrupted)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := needDir(c); err != nil {
				return err
			}
			return runSweepStatus(opts)
		},
	}
	dirFlag(status)
	status.Flags().BoolVar(&opts.JSON, "json", false, `print {"runs": [{"index", "args", "state", "error", "attempts", "slurm"}], "counts": {STATE: N}}`)

	submit := &cobra.Command{
		Use:   "submit --dir DIR [--jobs N]",
		Short: "Run the sweep's unfinished runs here, on Slurm, or write a Kubernetes Job",
		Long: `--executor local (the default): run every run of DIR that is not done,
--jobs at a time (default one per core), each with --workers set so that
jobs × workers ≤ cores. A failed run is run again only with --retry-failed.
Ctrl-C or SIGTERM stops the runs cleanly (each keeps its checkpoint) and a
later submit continues them. The exit status is 1 when a run failed.

--executor slurm: submit the runs that are neither done nor queued as one
job array (sbatch --parsable; the script is kept in DIR), --jobs tasks at a
time, --cpus-per-task = --workers, --requeue, --signal=B:TERM@120. DIR and
the hhnet executable must be visible at the same paths on the compute
nodes. 120 s before its time limit (or when preempted) a task checkpoints
and requeues itself, so a long run spans as many allocations as it needs.
Submitting again resubmits only the missing runs. --wait follows the jobs
(squeue; no accounting database needed) until none is queued.

--executor k8s --dry-run: write DIR/job.json, an Indexed Job of one pod per
run.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := needDir(c); err != nil {
				return err
			}
			switch {
			case opts.Executor == "k8s" && !opts.DryRun:
				return usagef("--executor k8s writes the Job (--dry-run) for kubectl apply -f; it does not submit it")
			case opts.Executor == "k8s":
				return runSweepKubernetes(opts)
			case opts.Executor != "local" && opts.Executor != "slurm":
				return usagef("--executor %q: want local, slurm or k8s", opts.Executor)
			case opts.Jobs < 0:
				return usagef("--jobs: %d, want 0 (one per core) or more", opts.Jobs)
			case opts.Workers < 0:
				return usagef("--workers: %d, want 0 or more", opts.Workers)
			case opts.Executor == "slurm":
				return runSweepSlurm(c.Context(), opts)
			case opts.Wait || len(opts.SbatchArgs) > 0:
				return usagef("--wait and --sbatch-arg are for --executor slurm")
			}
			return runSweepSubmit(c.Context(), opts)
		},
	}
	dirFlag(submit)
	submit.Flags().StringVar(&opts.Executor, "executor", "local", "where the runs run: local, slurm (a job array; submitting again adds only the runs neither done nor queued), or k8s (with --dry-run: writes DIR/job.json, a Kubernetes Indexed Job)")
	submit.Flags().BoolVar(&opts.DryRun, "dry-run", false, "k8s: write the Job, do not submit it")
	submit.Flags().IntVar(&opts.Workers, "workers", 0, "--workers of each run (0: cores / --jobs here; 1 per Slurm task or pod: its --cpus-per-task)")
	submit.Flags().StringVar(&opts.Image, "image", "hhnet:latest", "k8s: an image with hhnet on its PATH")
	submit.Flags().StringVar(&opts.Claim, "claim", "hhnet-sweeps", "k8s: the PersistentVolumeClaim that holds DIR (mounted at /sweep)")
	submit.Flags().IntVar(&opts.Jobs, "jobs", 0, "runs at a time (0: one per core here; on slurm the array's %K throttle, 0: none)")
	submit.Flags().BoolVar(&opts.Retry, "retry-failed", false, "run failed runs again too")
	submit.Flags().StringArrayVar(&opts.SbatchArgs, "sbatch-arg", nil, "slurm: an sbatch option for the job, such as --partition=cpu, --time=2:00:00, --mem=8G, --account=A (repeatable)")
	submit.Flags().BoolVar(&opts.Wait, "wait", false, "slurm: follow the sweep's jobs until none of their tasks is queued; exit 1 when a run failed")

	cmd.AddCommand(plan, task, status, submit)
	return cmd
}

// exactArgs is cobra.ExactArgs with a usage error that says what is wanted.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("want %s, got %d arguments", what, len(args))
		}
		return nil
	}
}

func runSweepPlan(o *sweepOptions) error {
	text, err := os.ReadFile(o.File)
	if err != nil {
		return err
	}
	f, err := sweep.Parse(text)
	if err != nil {
		return &usageError{fmt.Errorf("%s: %w", o.File, err)}
	}
	m, added, err := sweep.Plan(o.Dir, f, text)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "%s: %d runs (%d new)\n", filepath.Join(o.Dir, sweep.ManifestFile), len(m.Runs), added)
	return nil
}

// Commands that continue a run from its checkpoint with --resume, and
// those that split their work over --workers goroutines.
func resumable(command string) bool { return command == "train" || command == "mi" || command == "rl" }
func takesWorkers(command string) bool {
	return command == "train" || command == "mi" || command == "rl" || command == "robustness"
}

func runSweepTask(ctx context.Context, o *sweepOptions) error {
	m, err := sweep.ReadManifest(o.Dir)
	if err != nil {
		return err
	}
	if o.Index >= len(m.Runs) {
		return usagef("--index %d: the sweep has %d runs (0 to %d)", o.Index, len(m.Runs), len(m.Runs)-1)
	}
	r := m.Runs[o.Index]
	st, err := sweep.ReadState(o.Dir, o.Index)
	if err != nil {
		return err
	}
	if st.State == sweep.Done {
		fmt.Fprintf(o.Log, "run %d is done: %s\n", o.Index, r.ID())
		return nil
	}
	host, _ := os.Hostname()
	st = sweep.State{State: sweep.Running, Host: host, PID: os.Getpid(), Started: time.Now().UTC(), Attempts: st.Attempts + 1}
	if err := sweep.WriteState(o.Dir, o.Index, st); err != nil {
		return err
	}
	args := append(slices.Clone(r.Args), "--out", sweep.OutDir(o.Dir, o.Index))
	if resumable(r.Command()) {
		args = append(args, "--resume")
	}
	if o.Workers > 0 && takesWorkers(r.Command()) {
		args = append(args, "--workers", strconv.Itoa(o.Workers))
	}
	logPath := filepath.Join(sweep.RunDir(o.Dir, o.Index), "log.txt")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "== %s attempt %d on %s: hhnet %s\n", st.Started.Format(time.RFC3339), st.Attempts, host, strings.Join(args, " "))
	tail := &lastLines{}
	code := run(ctx, args, logf, io.MultiWriter(logf, tail))
	st.Finished = time.Now().UTC()
	switch {
	case code == 0:
		st.State = sweep.Done
	case ctx.Err() != nil:
		st.State, st.Error = sweep.Interrupted, "stopped by a signal; the next submit or run-task continues it"
	default:
		st.State, st.Error = sweep.Failed, fmt.Sprintf("exit status %d: %s", code, tail.last())
	}
	if err := sweep.WriteState(o.Dir, o.Index, st); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "run %d %s: %s\n", o.Index, st.State, r.ID())
	switch st.State {
	case sweep.Failed:
		return fmt.Errorf("run %d failed (%s); its log: %s", o.Index, st.Error, logPath)
	case sweep.Interrupted:
		requeueSelf(o)
		return errors.New(st.Error)
	}
	return nil
}

// lastLines keeps the last non-empty line written to it (a failed run's
// error message).
type lastLines struct{ buf []byte }

func (l *lastLines) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	if len(l.buf) > 4096 {
		l.buf = l.buf[len(l.buf)-4096:]
	}
	return len(p), nil
}

func (l *lastLines) last() string {
	lines := strings.Split(strings.TrimSpace(string(l.buf)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// runState is a run's state as status reports it: a Running run whose
// process on this host is gone was killed, and continues like an
// interrupted one.
func runState(dir string, i int) (sweep.State, error) {
	st, err := sweep.ReadState(dir, i)
	if err != nil || st.State != sweep.Running {
		return st, err
	}
	if host, _ := os.Hostname(); st.Host == host && !alive(st.PID) {
		st.State, st.Error = sweep.Interrupted, "its process is gone (killed); the next submit continues it"
	}
	return st, nil
}

// alive tells whether process pid exists and is not a zombie (a killed
// task waits as one until its parent, or init, reaps it).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// pid (comm) S …: the state follows the last parenthesis.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
			return b[i+2] != 'Z' && b[i+2] != 'X'
		}
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func runSweepStatus(o *sweepOptions) error {
	m, err := sweep.ReadManifest(o.Dir)
	if err != nil {
		return err
	}
	type row struct {
		Index    int      `json:"index"`
		Args     []string `json:"args"`
		State    string   `json:"state"`
		Error    string   `json:"error,omitempty"`
		Attempts int      `json:"attempts"`
		Slurm    string   `json:"slurm,omitempty"`
	}
	queue, err := slurmQueue(context.Background(), o.Dir)
	if err != nil {
		fmt.Fprintf(o.Log, "the Slurm queue is not readable (%v); states from the files only\n", err)
	}
	var rows []row
	counts := map[string]int{}
	for _, r := range m.Runs {
		st, err := runState(o.Dir, r.Index)
		if err != nil {
			return err
		}
		var slurm string
		if t, ok := queue[r.Index]; ok {
			slurm = t.Job + "_" + strconv.Itoa(t.Index) + " " + t.State
			if t.Queued() && st.State != sweep.Running {
				st.State = sweep.Queued
			}
		}
		rows = append(rows, row{Index: r.Index, Args: r.Args, State: st.State, Error: st.Error, Attempts: st.Attempts, Slurm: slurm})
		counts[st.State]++
	}
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"runs": rows, "counts": counts})
	}
	for _, r := range rows {
		fmt.Fprintf(o.Out, "%4d  %-11s  %s", r.Index, r.State, strings.Join(r.Args, " "))
		if r.Error != "" {
			fmt.Fprintf(o.Out, "  (%s)", r.Error)
		}
		if r.Slurm != "" {
			fmt.Fprintf(o.Out, "  [slurm %s]", r.Slurm)
		}
		fmt.Fprintln(o.Out)
	}
	var parts []string
	for _, s := range []string{sweep.Done, sweep.Running, sweep.Queued, sweep.Interrupted, sweep.Failed, sweep.Pending} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(o.Out, "%d runs: %s\n", len(rows), strings.Join(parts, ", "))
	return nil
}

func runSweepSubmit(ctx context.Context, o *sweepOptions) error {
	m, err := sweep.ReadManifest(o.Dir)
	if err != nil {
		return err
	}
	var todo []int
	for _, r := range m.Runs {
		st, err := runState(o.Dir, r.Index)
		if err != nil {
			return err
		}
		switch st.State {
		case sweep.Pending, sweep.Interrupted:
			todo = append(todo, r.Index)
		case sweep.Failed:
			if o.Retry {
				todo = append(todo, r.Index)
			}
		case sweep.Running:
			fmt.Fprintf(o.Log, "run %d is running (process %d on %s); left to it\n", r.Index, st.PID, st.Host)
		}
	}
	cores := runtime.NumCPU()
	jobs := o.Jobs
	if jobs == 0 {
		jobs = cores
	}
	jobs = max(1, min(jobs, len(todo)))
	workers := max(1, cores/jobs)
	if o.Workers > 0 {
		workers = o.Workers
	}
	fmt.Fprintf(o.Log, "%d of %d runs to run, %d at a time with %d workers each\n", len(todo), len(m.Runs), jobs, workers)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	type result struct {
		index   int
		err     error
		seconds float64
	}
	results := make(chan result)
	next, running, finished, failed := 0, 0, 0, 0
	start := func(i int) {
		cmd := exec.Command(exe, "sweep", "run-task", "--dir", o.Dir, "--index", strconv.Itoa(i), "--workers", strconv.Itoa(workers))
		// The task writes the run's log itself; its own lines are noise here.
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		begun := time.Now()
		if err := cmd.Start(); err != nil {
			go func() { results <- result{i, err, 0} }()
			return
		}
		go func() {
			// A signal to the sweep reaches the tasks: they stop cleanly.
			done := make(chan struct{})
			go func() {
				select {
				case <-ctx.Done():
					cmd.Process.Signal(syscall.SIGTERM)
				case <-done:
				}
			}()
			err := cmd.Wait()
			close(done)
			results <- result{i, err, time.Since(begun).Seconds()}
		}()
	}
	for next < len(todo) && running < jobs {
		start(todo[next])
		next, running = next+1, running+1
	}
	for running > 0 {
		r := <-results
		running--
		finished++
		st, _ := runState(o.Dir, r.index)
		if r.err != nil && st.State != sweep.Interrupted {
			failed++
		}
		fmt.Fprintf(o.Log, "[%d/%d] run %d %s (%.0f s): %s\n", finished, len(todo), r.index, st.State, r.seconds, m.Runs[r.index].ID())
		if next < len(todo) && ctx.Err() == nil {
			start(todo[next])
			next, running = next+1, running+1
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("stopped; %d runs not started — submit again to continue", len(todo)-next)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d runs failed: hhnet sweep status --dir %s", failed, len(todo), o.Dir)
	}
	return nil
}

// runSweepKubernetes writes DIR/job.json: an Indexed Job of one pod per
// run (kubectl apply -f DIR/job.json), --jobs pods at a time (default 4),
// each asking --workers cores (default 1).
func runSweepKubernetes(o *sweepOptions) error {
	m, err := sweep.ReadManifest(o.Dir)
	if err != nil {
		return err
	}
	jobs := o.Jobs
	if jobs == 0 {
		jobs = 4
	}
	name := strings.ToLower(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, "hhnet-"+filepath.Base(filepath.Clean(o.Dir))))
	job, err := sweep.KubernetesJob(m, sweep.KubernetesOptions{Name: strings.Trim(name, "-"), Image: o.Image, Claim: o.Claim,
		Dir: filepath.Base(filepath.Clean(o.Dir)), Parallelism: jobs, Workers: max(1, o.Workers)})
	if err != nil {
		return err
	}
	path := filepath.Join(o.Dir, "job.json")
	if err := report.WriteJSON(path, job); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "wrote %s: %d runs, %d pods at a time; the claim %q must hold %s at /sweep/%s — kubectl apply -f %s\n",
		path, len(m.Runs), jobs, o.Claim, o.Dir, filepath.Base(filepath.Clean(o.Dir)), path)
	return nil
}
