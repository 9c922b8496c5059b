//go:build mujoco

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestRunRL trains a few hundred steps through the CLI, then plots and
// evaluates the run.
func TestRunRL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	var out, errb bytes.Buffer
	args := []string{"rl", "--env", "inverted-double-pendulum", "--actor", "ANN", "--steps", "1200", "--eval-every", "600", "--out", dir, "--json"}
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var doc struct {
		Env   string
		Evals []map[string]float64
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.Env != "inverted-double-pendulum" || len(doc.Evals) != 2 {
		t.Fatalf("JSON %s: %v", out.String(), err)
	}
	for _, f := range []string{"curve.csv", "eval.jsonl", "checkpoint.bin", "curve.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if code := run(context.Background(), []string{"rl", "plot", dir, "--out", filepath.Join(dir, "plot.png")}, &out, &errb); code != 0 {
		t.Errorf("plot: exit %d: %s", code, errb.String())
	}
	if code := run(context.Background(), []string{"rl", "eval", dir, "--episodes", "2"}, &out, &errb); code != 0 {
		t.Errorf("eval: exit %d: %s", code, errb.String())
	}
	if code := run(context.Background(), args, &out, &errb); code != exitUsage {
		t.Errorf("a second run over the first: exit %d", code)
	}
}
