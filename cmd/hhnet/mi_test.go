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

func TestMIUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"mi"}, "--encoder is required"},
		{[]string{"mi", "--encoder", "GRU"}, "--encoder"},
		{[]string{"mi", "--encoder", "LIF", "--beta", "NaN"}, "--beta"},
		{[]string{"mi", "--encoder", "LIF", "--beta", "-1"}, "--beta"},
		{[]string{"mi", "--encoder", "LIF", "--epochs", "0"}, "--epochs"},
		{[]string{"mi", "--encoder", "LIF", "--workers", "-2"}, "--workers"},
		{[]string{"mi", "--encoder", "LIF", "--data", "cifar"}, "--data"},
		{[]string{"mi", "--encoder", "LIF", "--resume", "--force"}, "exclude each other"},
		{[]string{"mi", "plot"}, "at least one run folder"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

func TestMIDefaults(t *testing.T) {
	var got *miOptions
	cmd := newMICmd(func(_ context.Context, o *miOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--encoder", "HH"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	c := got.Config
	if c.Data != "multi-fashion-mnist" || c.Epochs != 200 || c.Beta != 1e-3 || c.Published || c.Batch != 128 || c.Seed != 2 ||
		got.OutDir != filepath.Join("out", "mi", "HH-multi-fashion-mnist-seed2") {
		t.Errorf("defaults %+v, out %s", c, got.OutDir)
	}
}

// TestRunMI trains one epoch of two bottlenecks on tiny generated data
// through the CLI, refuses a second start over the first, and plots both.
func TestRunMI(t *testing.T) {
	data, cache, root := fakeDataDir(t), t.TempDir(), t.TempDir()
	common := []string{"--data", "multi-mnist", "--batch", "16", "--epochs", "1", "--data-dir", data, "--cache-dir", cache, "--json"}
	var dirs []string
	for _, extra := range [][]string{{"--encoder", "LIF"}, {"--encoder", "LIF_hh", "--published"}} {
		dir := filepath.Join(root, extra[1])
		var out, errb bytes.Buffer
		args := append(append([]string{"mi", "--out", dir}, common...), extra...)
		if code := run(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, errb.String())
		}
		var doc struct {
			Encoder string
			Epochs  []map[string]float64
			Best    map[string]float64
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("JSON: %v\n%s", err, out.String())
		}
		if doc.Encoder != extra[1] || len(doc.Epochs) != 1 || doc.Best["epoch"] != 1 {
			t.Errorf("%v: %+v", extra, doc)
		}
		for _, key := range []string{"izx_bits", "izy_bits", "izy1_bits", "izy2_bits", "acc1", "acc2", "acc12_1", "acc12_2"} {
			if _, ok := doc.Best[key]; !ok {
				t.Errorf("best record lacks %s", key)
			}
		}
		if doc.Best["izx_bits"] <= 0 {
			t.Errorf("I(Z;X) bound %v, want > 0", doc.Best["izx_bits"])
		}
		errb.Reset()
		if code := run(context.Background(), args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "--force") {
			t.Errorf("second start over the run: exit %d, %q", code, errb.String())
		}
		dirs = append(dirs, dir)
	}
	plots := filepath.Join(root, "plots")
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"mi", "plot", "--out", plots}, dirs...), &out, &errb); code != 0 {
		t.Fatalf("plot: exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"infoplane.png", "bars.png", "bars.csv"} {
		if st, err := os.Stat(filepath.Join(plots, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(plots, "bars.csv"))
	if !strings.Contains(string(csv), "LIF_hh (published)") {
		t.Errorf("bars.csv does not label the published run:\n%s", csv)
	}
	errb.Reset()
	if code := run(context.Background(), []string{"mi", "plot", filepath.Join(root, "absent")}, &out, &errb); code != exitError || !strings.Contains(errb.String(), "absent") {
		t.Errorf("plot of a missing run: exit %d, %q", code, errb.String())
	}
}
