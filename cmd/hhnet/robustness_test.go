package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRobustnessUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"robustness"}, "required"},
		{[]string{"robustness", "--model", "LIF_fc,GRU", "--data", "multi-mnist"}, "--model"},
		{[]string{"robustness", "--model", "LIF_fc", "--data", "multi-mnist", "--amplitudes", "0,x"}, "--amplitudes"},
		{[]string{"robustness", "--model", "LIF_fc", "--data", "multi-mnist", "--amplitudes", "300"}, "--amplitudes"},
		{[]string{"robustness", "--model", "LIF_fc", "--data", "multi-mnist", "--amplitudes", "NaN"}, "--amplitudes"},
		{[]string{"robustness", "--model", "LIF_fc", "--data", "multi-mnist", "--amplitudes", "25,+Inf"}, "--amplitudes"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errb.String())
		}
	}
}

// TestRunRobustness runs a two-amplitude sweep of one epoch on tiny data,
// then again: the second run reads the finished runs instead of training.
func TestRunRobustness(t *testing.T) {
	data, cache, out := fakeDataDir(t), t.TempDir(), t.TempDir()
	args := []string{"robustness", "--model", "ANN", "--data", "multi-mnist", "--amplitudes", "0,50", "--epochs", "1",
		"--data-dir", data, "--cache-dir", cache, "--out", out, "--json"}
	var first []byte
	for pass := 0; pass < 2; pass++ {
		var o, e bytes.Buffer
		if code := run(context.Background(), args, &o, &e); code != 0 {
			t.Fatalf("pass %d: exit %d: %s", pass, code, e.String())
		}
		if pass == 1 && strings.Contains(e.String(), "epoch 1:") {
			t.Errorf("second pass trained again: %s", e.String())
		}
		var doc struct {
			Runs []robustnessRow `json:"runs"`
		}
		if err := json.Unmarshal(o.Bytes(), &doc); err != nil || len(doc.Runs) != 2 || doc.Runs[1].Amplitude != 50 {
			t.Fatalf("pass %d: %v %+v", pass, err, doc)
		}
		if pass == 0 {
			first = o.Bytes()
		} else if !bytes.Equal(first, o.Bytes()) {
			t.Errorf("second pass reports other numbers:\n%s\n%s", first, o.Bytes())
		}
	}
	for _, f := range []string{"robustness.csv", "robustness.png", "ANN-noise50/metrics.jsonl"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
