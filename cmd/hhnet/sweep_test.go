package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/hhnet/hhnet/sweep"
)

// TestSweepLocal plans a sweep of four tiny training runs, two of which
// fail (an unknown model), submits it on this machine two at a time (a
// child process, whose tasks are processes too), and reads the states
// back: two done with their metrics, two failed with the reason; a
// second run-task of a done run leaves it alone.
func TestSweepLocal(t *testing.T) {
	data, cache, dir := fakeDataDir(t), t.TempDir(), t.TempDir()
	file := filepath.Join(t.TempDir(), "s.toml")
	text := `[[run]]
command = "train"
[run.flags]
model = ["LIF_fc", "NoSuchModel"]
data = "multi-mnist"
seed = [1, 2]
epochs = 1
batch = 16
data-dir = "` + data + `"
cache-dir = "` + cache + `"
`
	os.WriteFile(file, []byte(text), 0o644)
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"sweep", "plan", file, "--dir", dir}, &o, &e); code != 0 || !strings.Contains(o.String(), "4 runs (4 new)") {
		t.Fatalf("plan: exit %d, %s%s", code, o.String(), e.String())
	}
	c := startHHNet(t, "sweep", "submit", "--dir", dir, "--jobs", "2")
	for line := range c.lines { // all of stderr before Wait closes the pipe
		c.log.WriteString(line + "\n")
	}
	err := c.cmd.Wait()
	if err == nil || !strings.Contains(c.log.String(), "2 of 4 runs failed") {
		t.Fatalf("submit: %v, want exit status 1 naming two failures:\n%s", err, c.log)
	}
	o.Reset()
	if code := run(context.Background(), []string{"sweep", "status", "--dir", dir, "--json"}, &o, &e); code != 0 {
		t.Fatalf("status: exit %d: %s", code, e.String())
	}
	var st struct {
		Runs []struct {
			Index    int
			Args     []string
			State    string
			Error    string
			Attempts int
		}
		Counts map[string]int
	}
	if err := json.Unmarshal(o.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.Counts[sweep.Done] != 2 || st.Counts[sweep.Failed] != 2 {
		t.Fatalf("states %v, want 2 done and 2 failed", st.Counts)
	}
	for _, r := range st.Runs {
		bad := strings.Contains(strings.Join(r.Args, " "), "NoSuchModel")
		if bad != (r.State == sweep.Failed) || bad && !strings.Contains(r.Error, "unknown model") {
			t.Errorf("run %d %v: %s (%s)", r.Index, r.Args, r.State, r.Error)
		}
		if !bad {
			if _, err := os.Stat(filepath.Join(sweep.OutDir(dir, r.Index), "metrics.jsonl")); err != nil {
				t.Errorf("run %d: no metrics: %v", r.Index, err)
			}
		}
	}
	e.Reset()
	if code := run(context.Background(), []string{"sweep", "run-task", "--dir", dir, "--index", "0"}, &o, &e); code != 0 || !strings.Contains(e.String(), "is done") {
		t.Errorf("run-task of a done run: exit %d, %s", code, e.String())
	}
	if s, _ := sweep.ReadState(dir, 0); s.Attempts != 1 {
		t.Errorf("a done run ran again: %d attempts", s.Attempts)
	}
}

func TestSweepUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("[[run]]\ncommand = \"fly\"\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "plan", bad}, "--dir is required"},
		{[]string{"sweep", "plan", bad, "--dir", t.TempDir()}, `command "fly"`},
		{[]string{"sweep", "plan", "--dir", t.TempDir()}, "one sweep file"},
		{[]string{"sweep", "run-task", "--dir", t.TempDir()}, "--index is required"},
		{[]string{"sweep", "submit", "--dir", t.TempDir(), "--executor", "moon"}, "--executor"},
	} {
		var o, e bytes.Buffer
		if code := run(context.Background(), tc.args, &o, &e); code != exitUsage || !strings.Contains(e.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, e.String(), tc.want)
		}
	}
}

// TestSweepSurvivesKill9 kills a running sweep — the submit process and
// its task, SIGKILL to the process group — after the first of three
// epochs, then submits again: the run is reported interrupted, resumes
// from its checkpoint and ends with the first epoch's record unchanged.
func TestSweepSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	data, cache, dir := fakeDataDirN(t, 400, 10), t.TempDir(), t.TempDir()
	file := filepath.Join(t.TempDir(), "s.toml")
	os.WriteFile(file, []byte(`[[run]]
command = "train"
[run.flags]
model = "LIF_fc"
data = "multi-mnist"
epochs = 3
batch = 16
data-dir = "`+data+`"
cache-dir = "`+cache+`"
`), 0o644)
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"sweep", "plan", file, "--dir", dir}, &o, &e); code != 0 {
		t.Fatalf("plan: %s", e.String())
	}
	metrics := filepath.Join(sweep.OutDir(dir, 0), "metrics.jsonl")
	cmd := exec.Command(os.Args[0], "sweep", "submit", "--dir", dir, "--jobs", "1")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if b, _ := os.ReadFile(metrics); bytes.Count(b, []byte("\n")) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no epoch finished in 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	first, _ := os.ReadFile(metrics)
	for s, _ := runState(dir, 0); s.State != sweep.Interrupted; s, _ = runState(dir, 0) {
		if time.Now().After(deadline) {
			t.Fatalf("after kill -9 the run is %s, want interrupted", s.State)
		}
		time.Sleep(20 * time.Millisecond) // until the killed task is reaped
	}
	// As a child: submit starts its tasks from its own executable, which
	// must act as hhnet.
	again := exec.Command(os.Args[0], "sweep", "submit", "--dir", dir)
	again.Env = append(os.Environ(), runMainEnv+"=1")
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("second submit: %v: %s", err, out)
	}
	b, err := os.ReadFile(metrics)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	firstLine := strings.SplitN(string(first), "\n", 2)[0]
	if err != nil || len(lines) != 3 || lines[0] != firstLine {
		t.Fatalf("metrics after the second submit (%v):\n%s\nwant 3 epochs, the first unchanged:\n%s", err, b, firstLine)
	}
	if s, _ := sweep.ReadState(dir, 0); s.State != sweep.Done || s.Attempts != 2 {
		t.Errorf("final state %+v, want done after 2 attempts", s)
	}
}

// TestSweepKubernetes writes a planned sweep's Job and reads it back as
// the typed Kubernetes Job.
func TestSweepKubernetes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "study")
	file := filepath.Join(t.TempDir(), "s.toml")
	os.WriteFile(file, []byte("[[run]]\ncommand = \"train\"\n[run.flags]\nmodel = \"LIF_fc\"\ndata = \"multi-mnist\"\nseed = [1, 2, 3]\n"), 0o644)
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"sweep", "plan", file, "--dir", dir}, &o, &e); code != 0 {
		t.Fatalf("plan: %s", e.String())
	}
	if code := run(context.Background(), []string{"sweep", "submit", "--dir", dir, "--executor", "k8s"}, &o, &e); code != exitUsage {
		t.Errorf("k8s without --dry-run: exit %d, want 2", code)
	}
	args := []string{"sweep", "submit", "--dir", dir, "--executor", "k8s", "--dry-run", "--image", "reg/hhnet:1", "--workers", "2"}
	if code := run(context.Background(), args, &o, &e); code != 0 {
		t.Fatalf("k8s --dry-run: exit %d: %s", code, e.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "job.json"))
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := json.Unmarshal(b, &job); err != nil {
		t.Fatal(err)
	}
	c := job.Spec.Template.Spec.Containers[0]
	if job.Name != "hhnet-study" || *job.Spec.Completions != 3 || c.Image != "reg/hhnet:1" || !strings.Contains(strings.Join(c.Command, " "), "--dir /sweep/study --index $(JOB_COMPLETION_INDEX) --workers 2") {
		t.Errorf("job %s, completions %d, image %s, command %q", job.Name, *job.Spec.Completions, c.Image, c.Command)
	}
}
