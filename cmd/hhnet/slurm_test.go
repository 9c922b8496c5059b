package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hhnet/hhnet/internal/testenv"
	"github.com/hhnet/hhnet/sweep"
)

// longEpochs is the length of TestSweepSlurm's long runs: epochs of about
// 0.1 s, time for the test to signal them while they run, on a busy
// machine too. (200 were too few in CI, twice: a run finished all of them,
// some 20 s, while the test was held up before it could signal it.)
const longEpochs = 500

// TestSweepSlurm submits a sweep of seven training runs to a real Slurm
// cluster (scripts/slurm-start.sh starts one; SLURM_CONF names it): one
// run fails on purpose (an unknown model), and the longest is sent the
// SIGTERM Slurm sends before a time limit after its first epoch: it
// checkpoints, requeues its own array task and finishes in a second
// allocation with its first epoch unchanged. Another long one is
// cancelled by hand (scancel) and stays cancelled. A second submit with
// --wait resubmits only that run (the others are done, failed or queued),
// follows the jobs and names the failure; status then finds every result.
func TestSweepSlurm(t *testing.T) {
	if os.Getenv("SLURM_CONF") == "" {
		testenv.Missing(t, "a Slurm cluster", errors.New("SLURM_CONF is unset (scripts/slurm-start.sh DIR starts one)"))
	}
	if testing.Short() {
		t.Skip("a minute of Slurm scheduling")
	}
	// The two sizes of data get caches of their own: in one, each group's
	// runs would find the other's composites and regenerate them in turn.
	small, long, cache, longCache := fakeDataDir(t), fakeDataDirN(t, 400, 10), t.TempDir(), t.TempDir()
	// Slurm runs the tasks from the test binary, as hhnet.
	t.Setenv(runMainEnv, "1")
	dir, file := filepath.Join(t.TempDir(), "study"), filepath.Join(t.TempDir(), "s.toml")
	os.WriteFile(file, []byte(`[[run]]
command = "train"
[run.flags]
model = "LIF_fc"
data = "multi-mnist"
seed = [1, 2, 3, 4]
epochs = 1
batch = 16
data-dir = "`+small+`"
cache-dir = "`+cache+`"

[[run]]
command = "train"
[run.flags]
model = "LIF_fc"
data = "multi-mnist"
seed = [1, 2]
epochs = `+strconv.Itoa(longEpochs)+`
batch = 16
data-dir = "`+long+`"
cache-dir = "`+longCache+`"

[[run]]
command = "train"
[run.flags]
model = "NoSuchModel"
data = "multi-mnist"
data-dir = "`+small+`"
`), 0o644)
	hhnet := func(args ...string) (string, error) {
		var o, e bytes.Buffer
		if code := run(context.Background(), args, &o, &e); code != 0 {
			return o.String() + e.String(), errors.New(e.String())
		}
		return o.String() + e.String(), nil
	}
	if out, err := hhnet("sweep", "plan", file, "--dir", dir); err != nil || !strings.Contains(out, "7 runs") {
		t.Fatalf("plan: %v %s", err, out)
	}
	out, err := hhnet("sweep", "submit", "--dir", dir, "--executor", "slurm", "--jobs", "2", "--sbatch-arg=--time=10")
	if err != nil || !strings.Contains(out, "7 runs (array 0-6)") {
		t.Fatalf("submit: %v %s", err, out)
	}
	jobs, err := sweep.ReadSlurmJobs(dir)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("recorded jobs %v, %v", jobs, err)
	}
	t.Cleanup(func() { exec.Command("scancel", jobs[0].ID).Run() })

	submitted := time.Now()
	deadline := submitted.Add(3 * time.Minute)
	// scancel runs in the background and reports how long it took: in CI
	// the test was once held up some 20 s before a run's signal, and the
	// other run must not wait for it.
	type signalled struct {
		args []string
		took time.Duration
		out  []byte
		err  error
	}
	done := make(chan signalled, 2)
	scancel := func(args ...string) {
		go func() {
			start := time.Now()
			out, err := exec.Command("scancel", args...).CombinedOutput()
			done <- signalled{args, time.Since(start), out, err}
		}()
	}
	// Run 4 gets the early warning; run 5 is cancelled by hand, stays
	// cancelled, and the second submit resubmits it alone. Each is
	// signalled as soon as its first epoch is written: the two start
	// together and either may run far ahead of the other.
	const longRun, cancelled = 4, 5
	signals := map[int][]string{
		longRun:   {"--signal=TERM", "--batch", jobs[0].ID + "_4"},
		cancelled: {jobs[0].ID + "_5"},
	}
	firstEpochs := map[int]string{}
	for len(firstEpochs) < len(signals) {
		for run, args := range signals {
			if _, seen := firstEpochs[run]; seen {
				continue
			}
			b, _ := os.ReadFile(filepath.Join(sweep.OutDir(dir, run), "metrics.jsonl"))
			if n := bytes.Count(b, []byte("\n")); n >= 1 {
				if n == longEpochs {
					t.Fatalf("run %d finished its %d epochs before the test saw one (%v after the submit)\n%s", run, n, time.Since(submitted), runLogs(dir, run))
				}
				firstEpochs[run] = strings.SplitN(string(b), "\n", 2)[0]
				t.Logf("%v after the submit: run %d has %d epochs; signalling it", time.Since(submitted), run, n)
				scancel(args...)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs %d and %d finished %d epochs in 3 minutes; want one each", longRun, cancelled, len(firstEpochs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for range signals {
		s := <-done
		t.Logf("scancel %v took %v", s.args, s.took)
		if s.err != nil {
			q, _ := exec.Command("squeue", "-h", "-r", "-t", "all", "-j", jobs[0].ID, "-o", "%i %T").CombinedOutput()
			t.Fatalf("scancel %v: %v %s\nthe queue:\n%s", s.args, s.err, s.out, q)
		}
	}
	for {
		s, _ := sweep.ReadState(dir, cancelled)
		q, err := slurmQueue(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		if s.State == sweep.Interrupted && !q[cancelled].Queued() {
			break
		}
		if s.State == sweep.Done {
			t.Fatalf("the cancelled run finished (its task %+v); want it interrupted\n%s", q[cancelled], runLogs(dir, cancelled))
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled run is %s, its task %+v; want interrupted and gone from the queue\n%s", s.State, q[cancelled], runLogs(dir, cancelled))
		}
		time.Sleep(50 * time.Millisecond)
	}

	out, err = hhnet("sweep", "submit", "--dir", dir, "--executor", "slurm", "--wait")
	if err == nil || !strings.Contains(out, "1 runs (array 5)") || !strings.Contains(err.Error(), "runs 6 failed") {
		t.Fatalf("submit --wait: %v\n%s\nwant run 5 alone submitted and run 6 failed", err, out)
	}
	out, err = hhnet("sweep", "status", "--dir", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Runs []struct {
			Index    int
			State    string
			Error    string
			Attempts int
			Slurm    string
		}
		Counts map[string]int
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if st.Counts[sweep.Done] != 6 || st.Counts[sweep.Failed] != 1 || !strings.Contains(st.Runs[6].Error, "unknown model") {
		t.Fatalf("states %v, run 6: %+v; want 6 done and run 6 failed for its model", st.Counts, st.Runs[6])
	}
	if r := st.Runs[longRun]; r.Attempts != 2 || !strings.HasPrefix(r.Slurm, jobs[0].ID+"_4 COMPLETED") {
		t.Errorf("run %d: %+v, want done in 2 attempts, its task COMPLETED", longRun, r)
	}
	for run, want := range firstEpochs {
		b, _ := os.ReadFile(filepath.Join(sweep.OutDir(dir, run), "metrics.jsonl"))
		if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != longEpochs || lines[0] != want {
			t.Errorf("metrics of run %d:\n%s\nwant %d epochs, the first unchanged:\n%s", run, b, longEpochs, want)
		}
	}
	if r := st.Runs[cancelled]; r.Attempts != 2 {
		t.Errorf("cancelled run: %+v, want done in 2 attempts", r)
	}
	if log, _ := os.ReadFile(filepath.Join(sweep.RunDir(dir, cancelled), "slurm.txt")); !bytes.Contains(log, []byte("(cancelled); not requeued")) {
		t.Errorf("the cancelled task's Slurm output does not say it stayed cancelled:\n%s", log)
	}
	if log, _ := os.ReadFile(filepath.Join(sweep.RunDir(dir, longRun), "slurm.txt")); !bytes.Contains(log, []byte("requeued as "+jobs[0].ID+"_4")) {
		t.Errorf("the requeued task's Slurm output does not say it requeued itself:\n%s", log)
	}
}

// runLogs is what a sweep run left for a person to read: its Slurm
// output and its log.
func runLogs(dir string, run int) string {
	var b strings.Builder
	for _, name := range []string{"slurm.txt", "log.txt"} {
		text, err := os.ReadFile(filepath.Join(sweep.RunDir(dir, run), name))
		fmt.Fprintf(&b, "run %d's %s (%v):\n%s\n", run, name, err, text)
	}
	return b.String()
}
