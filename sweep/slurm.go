package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// SlurmOptions shape the batch script of a sweep's job array.
type SlurmOptions struct {
	Name      string   // the job's name
	HHNet     string   // the absolute path of the hhnet executable on the compute nodes
	Dir       string   // the sweep folder, absolute, shared with the compute nodes
	Indices   []int    // the runs to run, ascending
	Throttle  int      // array tasks at a time (0: as many as Slurm allows)
	Workers   int      // cores per task: --cpus-per-task and run-task's --workers
	ExtraArgs []string // further sbatch options (--partition=…, --time=…, --mem=…, --account=…)
}

// SlurmGrace is how long before its time limit Slurm sends a task SIGTERM,
// so that the run checkpoints and requeues itself (Slurm does not requeue
// a task that reaches its limit).
const SlurmGrace = 120 * time.Second

// SlurmScript returns the batch script of a job array with one task per
// index in o.Indices. The script execs hhnet, so that the early SIGTERM
// (--signal=B:TERM) reaches run-task itself; run-task then checkpoints
// and requeues its own array element. Each task's Slurm output goes to
// its run's folder (--open-mode=append keeps a requeued task's earlier
// lines).
func SlurmScript(o SlurmOptions) (string, error) {
	switch {
	case len(o.Indices) == 0:
		return "", errors.New("no runs to submit")
	case !filepath.IsAbs(o.HHNet) || !filepath.IsAbs(o.Dir):
		return "", fmt.Errorf("the executable and the sweep folder must be absolute paths, got %q and %q", o.HHNet, o.Dir)
	}
	for _, a := range o.ExtraArgs {
		if !strings.HasPrefix(a, "-") || strings.ContainsAny(a, "\n\r") {
			return "", fmt.Errorf("sbatch option %q: want one option such as --partition=gpu", a)
		}
	}
	array := Ranges(o.Indices)
	if o.Throttle > 0 {
		array += "%" + strconv.Itoa(o.Throttle)
	}
	workers := max(1, o.Workers)
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	line := func(format string, a ...any) { fmt.Fprintf(&b, "#SBATCH "+format+"\n", a...) }
	line("--job-name=%s", o.Name)
	line("--array=%s", array)
	line("--cpus-per-task=%d", workers)
	line("--requeue")
	line("--open-mode=append")
	line("--signal=B:TERM@%d", int(SlurmGrace.Seconds()))
	line("--output=%s", filepath.Join(o.Dir, RunsDir, "%a", "slurm.txt"))
	for _, a := range o.ExtraArgs {
		line("%s", a)
	}
	fmt.Fprintf(&b, "exec %s sweep run-task --dir %s --index \"$SLURM_ARRAY_TASK_ID\" --workers %d\n",
		shellQuote(o.HHNet), shellQuote(o.Dir), workers)
	return b.String(), nil
}

// shellQuote quotes s for sh when it holds anything but safe characters.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:,@", r)) {
			safe = false
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Ranges writes ascending indices as Slurm's array syntax: 0-3,7,9-12.
func Ranges(indices []int) string {
	var parts []string
	for i := 0; i < len(indices); {
		j := i
		for j+1 < len(indices) && indices[j+1] == indices[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(indices[i]))
		} else {
			parts = append(parts, strconv.Itoa(indices[i])+"-"+strconv.Itoa(indices[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// ParseJobID reads `sbatch --parsable`'s answer: jobid[;cluster].
func ParseJobID(out string) (string, error) {
	id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil || id == "" {
		return "", fmt.Errorf("sbatch answered %q, not a job id", strings.TrimSpace(out))
	}
	return id, nil
}

// SlurmTask is an array task as squeue reports it.
type SlurmTask struct {
	Job   string // the array job's id
	Index int    // the array index: the run's index
	State string // PENDING, RUNNING, COMPLETED, FAILED, …
}

// Queued tells whether Slurm will still run the task (or runs it now).
func (t SlurmTask) Queued() bool {
	switch t.State {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD",
		"RESIZING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD":
		return true
	}
	return false
}

// ParseSqueue reads the lines of `squeue -h -r -t all -j JOB -O
// ArrayJobID,ArrayTaskID,State`: a job, an index and a state per line. A pending range
// that squeue did not split (0-5%2) stands for each of its indices.
func ParseSqueue(out string) ([]SlurmTask, error) {
	var tasks []SlurmTask
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("squeue line %q: want a job, an array index and a state", line)
		}
		idx, _, _ := strings.Cut(f[1], "%")
		for _, part := range strings.Split(strings.Trim(idx, "[]"), ",") {
			lo, hi, isRange := strings.Cut(part, "-")
			a, err := strconv.Atoi(lo)
			b := a
			if isRange && err == nil {
				b, err = strconv.Atoi(hi)
			}
			if err != nil || a < 0 || b < a || b-a > maxRuns {
				return nil, fmt.Errorf("squeue line %q: %q is not an array index", line, f[1])
			}
			if len(tasks)+b-a >= maxRuns {
				return nil, fmt.Errorf("squeue lists more than %d tasks", maxRuns)
			}
			for i := a; i <= b; i++ {
				tasks = append(tasks, SlurmTask{Job: f[0], Index: i, State: f[2]})
			}
		}
	}
	return tasks, nil
}

// SlurmJob is one submission of a sweep to Slurm.
type SlurmJob struct {
	ID        string    `json:"id"`
	Indices   []int     `json:"indices"`
	Submitted time.Time `json:"submitted"`
}

// SlurmFile is the sweep folder's record of its Slurm jobs.
const SlurmFile = "slurm.json"

// ReadSlurmJobs reads dir's Slurm jobs, none when it has not been
// submitted to Slurm.
func ReadSlurmJobs(dir string) ([]SlurmJob, error) {
	path := filepath.Join(dir, SlurmFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var jobs []SlurmJob
	if err := json.Unmarshal(b, &jobs); err != nil {
		return nil, fmt.Errorf("%s: %w (delete it once no job of the sweep is queued)", path, err)
	}
	return jobs, nil
}

// AddSlurmJob appends a job to dir's record, atomically.
func AddSlurmJob(dir string, j SlurmJob) error {
	jobs, err := ReadSlurmJobs(dir)
	if err != nil {
		return err
	}
	jobs = append(jobs, j)
	slices.SortStableFunc(jobs, func(a, b SlurmJob) int { return a.Submitted.Compare(b.Submitted) })
	return atomicfile.Write(filepath.Join(dir, SlurmFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(jobs)
	})
}

// ParseJobState reads the JobState of `scontrol -o show job`'s answer.
func ParseJobState(out string) (string, error) {
	for _, f := range strings.Fields(out) {
		if s, ok := strings.CutPrefix(f, "JobState="); ok && s != "" {
			return s, nil
		}
	}
	return "", fmt.Errorf("no JobState in scontrol's answer %q", strings.TrimSpace(out))
}
