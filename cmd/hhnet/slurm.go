package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hhnet/hhnet/sweep"
)

// slurmCommand runs one of Slurm's commands and returns its standard
// output; an error carries its standard error.
func slurmCommand(ctx context.Context, name string, args ...string) (string, error) {
	if _, err := exec.LookPath(name); err != nil {
		return "", fmt.Errorf("%s is not on PATH: --executor slurm needs Slurm's commands (sbatch, squeue, scontrol)", name)
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// slurmQueue returns the tasks of the sweep's Slurm jobs that Slurm
// still knows, by run index (the latest job's task where a run was
// submitted twice). A job Slurm has forgotten has no tasks.
func slurmQueue(ctx context.Context, dir string) (map[int]sweep.SlurmTask, error) {
	jobs, err := sweep.ReadSlurmJobs(dir)
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	tasks := map[int]sweep.SlurmTask{}
	for _, j := range jobs {
		out, err := slurmCommand(ctx, "squeue", "-h", "-r", "-t", "all", "-j", j.ID, "-O", "ArrayJobID:24,ArrayTaskID:24,State:24")
		if err != nil && strings.Contains(err.Error(), "Invalid job id") {
			continue
		}
		if err != nil {
			return nil, err
		}
		ts, err := sweep.ParseSqueue(out)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			tasks[t.Index] = t
		}
	}
	return tasks, nil
}

// runSweepSlurm submits the runs that are neither done nor queued as one
// job array, and with --wait follows the sweep's jobs until none of
// their tasks is queued.
func runSweepSlurm(ctx context.Context, o *sweepOptions) error {
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	m, err := sweep.ReadManifest(dir)
	if err != nil {
		return err
	}
	queue, err := slurmQueue(ctx, dir)
	if err != nil {
		return err
	}
	var todo []int
	for _, r := range m.Runs {
		if t, ok := queue[r.Index]; ok && t.Queued() {
			continue
		}
		st, err := sweep.ReadState(dir, r.Index)
		if err != nil {
			return err
		}
		switch {
		case st.State == sweep.Done:
		case st.State == sweep.Failed && !o.Retry:
		default: // pending, interrupted, or a running task Slurm no longer runs
			todo = append(todo, r.Index)
		}
	}
	if len(todo) == 0 {
		fmt.Fprintf(o.Log, "nothing to submit: every run of %s is done, failed or queued\n", dir)
	} else {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		script, err := sweep.SlurmScript(sweep.SlurmOptions{Name: "hhnet-" + filepath.Base(dir), HHNet: exe, Dir: dir,
			Indices: todo, Throttle: o.Jobs, Workers: o.Workers, ExtraArgs: o.SbatchArgs})
		if err != nil {
			return usagef("%v", err)
		}
		for _, i := range todo { // Slurm opens each task's output there
			if err := os.MkdirAll(sweep.RunDir(dir, i), 0o755); err != nil {
				return err
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("slurm-%s.sh", time.Now().UTC().Format("20060102T150405.000")))
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			return err
		}
		out, err := slurmCommand(ctx, "sbatch", "--parsable", path)
		if err != nil {
			return err
		}
		id, err := sweep.ParseJobID(out)
		if err != nil {
			return err
		}
		if err := sweep.AddSlurmJob(dir, sweep.SlurmJob{ID: id, Indices: todo, Submitted: time.Now().UTC()}); err != nil {
			return fmt.Errorf("job %s submitted, but not recorded (%w): scancel %s, then submit again", id, err, id)
		}
		fmt.Fprintf(o.Log, "submitted job %s: %d runs (array %s), script %s\n", id, len(todo), sweep.Ranges(todo), path)
	}
	if !o.Wait {
		return nil
	}
	return waitSlurm(ctx, o, dir, m)
}

// waitSlurm polls the queue until no task of the sweep's jobs is queued,
// printing each run as it finishes, then says what failed.
func waitSlurm(ctx context.Context, o *sweepOptions, dir string, m *sweep.Manifest) error {
	seen := map[int]string{}
	for {
		queue, err := slurmQueue(ctx, dir)
		if err != nil {
			return err
		}
		queued := 0
		for _, r := range m.Runs {
			if t, ok := queue[r.Index]; ok && t.Queued() {
				queued++
				continue
			}
			st, err := sweep.ReadState(dir, r.Index)
			if err != nil {
				return err
			}
			if _, ok := queue[r.Index]; ok && seen[r.Index] != st.State && st.State != sweep.Pending {
				seen[r.Index] = st.State
				fmt.Fprintf(o.Log, "run %d %s: %s\n", r.Index, st.State, r.ID())
			}
		}
		if queued == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting; the jobs go on (hhnet sweep status --dir %s)", o.Dir)
		case <-time.After(2 * time.Second):
		}
	}
	var failed, open []string
	for _, r := range m.Runs {
		st, err := sweep.ReadState(dir, r.Index)
		if err != nil {
			return err
		}
		switch st.State {
		case sweep.Failed:
			failed = append(failed, strconv.Itoa(r.Index))
		case sweep.Done:
		default:
			open = append(open, strconv.Itoa(r.Index))
		}
	}
	var problems []string
	if len(failed) > 0 {
		problems = append(problems, fmt.Sprintf("runs %s failed (hhnet sweep status --dir %s)", strings.Join(failed, ", "), o.Dir))
	}
	if len(open) > 0 {
		problems = append(problems, fmt.Sprintf("runs %s are not done and no longer queued (submit again)", strings.Join(open, ", ")))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	fmt.Fprintf(o.Log, "all %d runs are done\n", len(m.Runs))
	return nil
}

// requeueSelf asks Slurm to run this array task again: a task stopped by
// the early SIGTERM before its time limit (or by preemption) continues in
// a later allocation from its checkpoint. Outside Slurm it does nothing.
func requeueSelf(o *sweepOptions) {
	job, task := os.Getenv("SLURM_ARRAY_JOB_ID"), os.Getenv("SLURM_ARRAY_TASK_ID")
	if job == "" || task == "" {
		return
	}
	// The signal cancelled the command's context; requeueing must not
	// depend on it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// SIGTERM also comes from scancel, and a cancelled job must stay
	// cancelled: Slurm marks it so before the signal (COMPLETING), while
	// the early warning leaves it RUNNING.
	out, err := slurmCommand(ctx, "scontrol", "-o", "show", "job", job+"_"+task)
	state, perr := sweep.ParseJobState(out)
	switch {
	case err != nil || perr != nil:
		fmt.Fprintf(o.Log, "run %d: Slurm's state of the task is unknown (%v); not requeued: submit again to continue it\n", o.Index, errors.Join(err, perr))
		return
	case state != "RUNNING":
		fmt.Fprintf(o.Log, "run %d: the task is %s (cancelled); not requeued: submit again to continue it\n", o.Index, state)
		return
	}
	if _, err := slurmCommand(ctx, "scontrol", "requeue", job+"_"+task); err != nil {
		fmt.Fprintf(o.Log, "run %d: could not requeue (%v); submit again to continue it\n", o.Index, err)
		return
	}
	fmt.Fprintf(o.Log, "run %d: requeued as %s_%s; it continues from its checkpoint\n", o.Index, job, task)
}
