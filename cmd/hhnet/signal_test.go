package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hhnet/hhnet/train"
)

// runMainEnv makes the test binary act as the hhnet command, so that the
// tests below can stop a real child process with real signals.
const runMainEnv = "HHNET_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// child is a running `hhnet train` whose stderr the test reads line by line.
type child struct {
	cmd   *exec.Cmd
	lines chan string
	log   *bytes.Buffer
}

func startHHNet(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 1000), log: &bytes.Buffer{}}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return c
}

// waitFor reads the child's stderr until a line contains want.
func (c *child) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("the child ended before printing %q:\n%s", want, c.log)
			}
			c.log.WriteString(line + "\n")
			if strings.Contains(line, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no line with %q in 2 minutes:\n%s", want, c.log)
		}
	}
}

// wait drains stderr and returns the exit code.
func (c *child) wait(t *testing.T) int {
	t.Helper()
	for line := range c.lines {
		c.log.WriteString(line + "\n")
	}
	err := c.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

// trainedState is what must agree bit for bit between an interrupted and
// resumed run and one that never stopped: every parameter, the optimiser
// state and the epochs' results (not their seconds).
func trainedState(t *testing.T, dir string) *train.Checkpoint {
	t.Helper()
	ck, err := train.ReadCheckpoint(filepath.Join(dir, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ck.Records {
		ck.Records[i].TrainSeconds = 0
	}
	ck.Partial.Seconds = 0
	return ck
}

func sameState(a, b *train.Checkpoint) bool {
	eq := func(x, y [][]float32) bool {
		return slices.EqualFunc(x, y, func(p, q []float32) bool { return slices.Equal(p, q) })
	}
	return eq(a.Params, b.Params) && eq(a.AdamM, b.AdamM) && eq(a.AdamV, b.AdamV) && a.AdamStep == b.AdamStep &&
		slices.Equal(a.Records, b.Records) && a.Epoch == b.Epoch && a.Batch == b.Batch
}

// TestSignalsStopAndResume stops a real `hhnet train` child with SIGTERM in
// the middle of an epoch and with SIGKILL in the middle of the next one;
// each time `--resume` ends with the bits of a run that never stopped.
func TestSignalsStopAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three small runs")
	}
	data, cache := fakeDataDirN(t, 3000, 250), t.TempDir()
	common := []string{"train", "--model", "LIF_fc", "--data", "multi-mnist", "--batch", "32", "--epochs", "2",
		"--data-dir", data, "--cache-dir", cache}
	ref := filepath.Join(t.TempDir(), "ref")
	if code := run(context.Background(), append(common, "--out", ref), io.Discard, io.Discard); code != 0 {
		t.Fatalf("reference run: exit %d", code)
	}
	want := trainedState(t, ref)

	t.Run("SIGTERM", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "run")
		c := startHHNet(t, append(common, "--out", dir)...)
		c.waitFor(t, "epoch 1/2: batch")
		if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := c.wait(t); code != exitError || !strings.Contains(c.log.String(), "--resume") {
			t.Fatalf("after SIGTERM: exit %d:\n%s", code, c.log)
		}
		stopped := trainedState(t, dir)
		if stopped.Epoch != 0 || stopped.Batch == 0 {
			t.Fatalf("the checkpoint is at epoch %d batch %d, want inside the first epoch", stopped.Epoch, stopped.Batch)
		}
		if code := run(context.Background(), append(common, "--out", dir, "--resume"), io.Discard, io.Discard); code != 0 {
			t.Fatalf("resume: exit %d", code)
		}
		if !sameState(trainedState(t, dir), want) {
			t.Error("stopped by SIGTERM and resumed: the result differs from the uninterrupted run")
		}
	})

	t.Run("SIGKILL", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "run")
		c := startHHNet(t, append(common, "--out", dir)...)
		c.waitFor(t, "epoch 1: loss")
		c.waitFor(t, "epoch 2/2: batch")
		if err := c.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		c.wait(t)
		left := trainedState(t, dir) // parses: the checksum holds
		if left.Epoch != 1 || left.Batch != 0 || len(left.Records) != 1 {
			t.Fatalf("after SIGKILL the checkpoint is at epoch %d batch %d, want the end of epoch 1", left.Epoch, left.Batch)
		}
		recs, err := train.ReadMetrics(filepath.Join(dir, train.MetricsFile))
		if err != nil || len(recs) != 1 {
			t.Fatalf("metrics.jsonl after SIGKILL: %d records, %v", len(recs), err)
		}
		if code := run(context.Background(), append(common, "--out", dir, "--resume"), io.Discard, io.Discard); code != 0 {
			t.Fatalf("resume: exit %d", code)
		}
		if !sameState(trainedState(t, dir), want) {
			t.Error("killed and resumed: the result differs from the uninterrupted run")
		}
	})
}

// TestTrainRefusesExistingRun: the same command twice exits 2 the second
// time with a line naming --resume and --force, and leaves the first run's
// files as they were; --force moves the old run aside, never deletes it.
func TestTrainRefusesExistingRun(t *testing.T) {
	data, cache, dir := fakeDataDir(t), t.TempDir(), filepath.Join(t.TempDir(), "run")
	args := []string{"train", "--model", "LIF_fc", "--data", "multi-mnist", "--batch", "16", "--epochs", "1",
		"--data-dir", data, "--cache-dir", cache, "--out", dir}
	if code := run(context.Background(), args, io.Discard, io.Discard); code != 0 {
		t.Fatalf("first run: exit %d", code)
	}
	before := map[string][]byte{}
	for _, name := range []string{train.CheckpointFile, train.MetricsFile} {
		before[name], _ = os.ReadFile(filepath.Join(dir, name))
	}
	var errb bytes.Buffer
	code := run(context.Background(), args, io.Discard, &errb)
	if code != exitUsage || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), "--resume") || !strings.Contains(errb.String(), "--force") {
		t.Errorf("second run: exit %d, stderr %q", code, errb.String())
	}
	for name, b := range before {
		if now, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(now, b) {
			t.Errorf("%s changed by the refused run", name)
		}
	}
	errb.Reset()
	if code := run(context.Background(), append(args, "--resume", "--force"), io.Discard, &errb); code != exitUsage {
		t.Errorf("--resume --force: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), append(args, "--force"), io.Discard, &errb); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errb.String())
	}
	old, _ := filepath.Glob(dir + ".old-*")
	if len(old) != 1 || !strings.Contains(errb.String(), old[0]) {
		t.Fatalf("--force: moved-aside folders %v; stderr %q", old, errb.String())
	}
	if b, err := os.ReadFile(filepath.Join(old[0], train.CheckpointFile)); err != nil || !bytes.Equal(b, before[train.CheckpointFile]) {
		t.Errorf("the moved-aside run's checkpoint: %v", err)
	}
}
