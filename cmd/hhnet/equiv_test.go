package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const paperData = "../../testdata/paper-fc-network" // the study's network, in the repository

func TestNewEquivCmd(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		check func(*equivOptions) bool
	}{
		{[]string{}, func(o *equivOptions) bool {
			return len(o.Experiments) == 0 && o.Variant == "paper" && o.Method == "euler" && o.DT == 0 && !o.JSON
		}},
		{[]string{"fc", "--weights", "W", "--json", "--variant", "exact", "--dt", "0.01"}, func(o *equivOptions) bool {
			return o.Experiments[0] == "fc" && o.Weights == "W" && o.JSON && o.Variant == "exact" && o.DT == 0.01 && !o.OutSet
		}},
		{[]string{"signals", "--signal", "sine", "--method", "rk4", "--out", "x", "--npy"}, func(o *equivOptions) bool {
			return o.Signal == "sine" && o.Method == "rk4" && o.OutDir == "x" && o.OutSet && o.NPY
		}},
	} {
		var got *equivOptions
		cmd := newEquivCmd(func(_ context.Context, o *equivOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if !tc.check(got) {
			t.Errorf("%v: options %+v", tc.args, got)
		}
	}
}

// TestUsageErrors: each wrong command line exits 2 with one line naming the problem.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"equiv", "mnist"}, `unknown experiment "mnist"`},
		{[]string{"equiv", "signals", "--signal", "noise"}, `unknown signal "noise"`},
		{[]string{"equiv", "--dt", "0"}, "--dt"},
		{[]string{"equiv", "--dt", "-1"}, "--dt"},
		{[]string{"equiv", "--method", "heun"}, "--method"},
		{[]string{"equiv", "--variant", "fast"}, "--variant"},
		{[]string{"equiv", "--nope"}, "unknown flag"},
		{[]string{"equiv", "xor", "fc"}, "at most one experiment"},
		{[]string{"equiv", "fc", "--random", "--weights", "x"}, "exclude each other"},
		{[]string{"frobnicate"}, "unknown command"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

// TestDataErrors: bad weight folders exit 1 with the file named, and leave no output files.
func TestDataErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	os.MkdirAll(good, 0o755)
	for _, name := range []string{"W01_784x128.csv.gz", "W12_128x10.csv", "image_flat_colmajor_784.csv"} {
		b, err := os.ReadFile(filepath.Join(paperData, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(good, name), b, 0o644)
	}
	nanDir := filepath.Join(dir, "nan")
	os.CopyFS(nanDir, os.DirFS(good))
	os.WriteFile(filepath.Join(nanDir, "W12_128x10.csv"), []byte(strings.Repeat("NaN,1,1,1,1,1,1,1,1,1\n", 128)), 0o644)
	gzDir := filepath.Join(dir, "gz")
	os.CopyFS(gzDir, os.DirFS(good))
	os.WriteFile(filepath.Join(gzDir, "W01_784x128.csv.gz"), []byte("\x1f\x8bnot really gzip"), 0o644)
	shapeDir := filepath.Join(dir, "shape")
	os.CopyFS(shapeDir, os.DirFS(good))
	os.WriteFile(filepath.Join(shapeDir, "W12_128x10.csv"), []byte(strings.Repeat("1,1\n", 128)), 0o644)
	for _, tc := range []struct {
		weights, want string
	}{
		{filepath.Join(dir, "absent"), "absent"},
		{nanDir, "W12_128x10.csv"},
		{shapeDir, "W12_128x10.csv"},
		{gzDir, "W01_784x128.csv.gz"},
	} {
		out := filepath.Join(dir, "out-"+filepath.Base(tc.weights))
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"equiv", "fc", "--weights", tc.weights, "--out", out}, &stdout, &stderr)
		if code != exitError || !strings.Contains(stderr.String(), tc.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("--weights %s: exit %d, stderr %q", tc.weights, code, stderr.String())
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("--weights %s: output folder %s exists after a failure", tc.weights, out)
		}
	}
}

// TestRunEquivFC runs the paper's fc network, built in by default and read
// from the repository's folder with --weights, and checks the JSON document.
func TestRunEquivFC(t *testing.T) {
	for _, args := range [][]string{{"equiv", "fc", "--json"}, {"equiv", "fc", "--weights", paperData, "--json"}} {
		checkEquivFC(t, args)
	}
}

func checkEquivFC(t *testing.T, args []string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errb.String())
	}
	var doc struct {
		Experiment string
		DTms       float64 `json:"dt_ms"`
		Trains     map[string][][]float64
		Metrics    map[string]any
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Experiment != "fc" || doc.DTms != 0.001 || len(doc.Trains["hh_hidden"]) != 128 || len(doc.Trains["tvlif2hh_out"]) != 10 {
		t.Errorf("document: %s dt %v, %d hidden trains", doc.Experiment, doc.DTms, len(doc.Trains["hh_hidden"]))
	}
	if doc.Metrics["hidden_spikes_hh"] != 853.0 || doc.Metrics["counts_equal"] != true {
		t.Errorf("metrics %v", doc.Metrics)
	}
}

// TestRunEquivFiles: the default run writes every promised file.
func TestRunEquivFiles(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"equiv", "--out", dir, "--npy", "--dt", "0.005"}
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"summary.json", "xor_trains.csv", "fc_trains.csv", "signals_trains.csv",
		"xor_voltage.png", "xor_truth_table.png", "fc_voltage.png", "fc_raster.png", "signals_raster.png",
		"fc_hh_out.npy", "signals_slif2hh_out.npy"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("staging left behind: %s", e.Name())
		}
	}
	var docs []map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(b, &docs); err != nil || len(docs) != 3 {
		t.Errorf("summary.json: %d docs, %v", len(docs), err)
	}
	// --json without --out prints an array and writes nothing.
	out.Reset()
	t.Chdir(t.TempDir())
	if code := run(context.Background(), []string{"equiv", "--json", "--dt", "0.005"}, &out, &errb); code != 0 {
		t.Fatalf("--json: exit %d", code)
	}
	if err := json.Unmarshal(out.Bytes(), &docs); err != nil || len(docs) != 3 {
		t.Errorf("--json: %v", err)
	}
	if _, err := os.Stat("out"); !os.IsNotExist(err) {
		t.Error("--json without --out wrote files")
	}
}

// TestRunEquivReplacesOutput: a second run replaces the first one's files
// as a whole (no stale files of another experiment remain, no staging is
// left beside the folder), and a folder holding foreign files is refused
// and left untouched.
func TestRunEquivReplacesOutput(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "results")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"equiv", "xor", "--out", dir, "--npy", "--dt", "0.01"}, &out, &errb); code != 0 {
		t.Fatalf("xor: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "xor_hh_out.npy")); err != nil {
		t.Fatal(err)
	}
	if code := run(context.Background(), []string{"equiv", "signals", "--signal", "const", "--out", dir}, &out, &errb); code != 0 {
		t.Fatalf("signals: exit %d: %s", code, errb.String())
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"signals_raster.png", "signals_trains.csv", "summary.json"}) {
		t.Errorf("after the second run: %v", names)
	}
	if siblings, _ := os.ReadDir(parent); len(siblings) != 1 {
		t.Errorf("beside the output folder: %d entries, want only it", len(siblings))
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	errb.Reset()
	if code := run(context.Background(), []string{"equiv", "xor", "--out", dir, "--dt", "0.01"}, &out, &errb); code != exitError ||
		!strings.Contains(errb.String(), "notes.txt") {
		t.Errorf("foreign file: exit %d, stderr %q", code, errb.String())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the foreign file: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "signals_trains.csv")); err != nil {
		t.Errorf("the earlier results after a refused run: %v", err)
	}
}

// TestEquivScales runs the signals experiment at two amplitudes: a row
// per stimulus and scale (the paper's metrics where the counts agree, null
// where a metric is undefined), the CSV and the figure; --scales outside
// the signals experiment or not positive is a usage error.
func TestEquivScales(t *testing.T) {
	dir := t.TempDir()
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"equiv", "signals", "--scales", "1,1.4", "--json", "--out", dir}, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	var doc struct {
		Rows []struct {
			Stimulus       string
			Scale          float64
			Comparable     bool
			SpikeTimeError *float64 `json:"spike_time_error"`
		}
	}
	if err := json.Unmarshal(o.Bytes(), &doc); err != nil || len(doc.Rows) != 10 {
		t.Fatalf("%d rows (%v), want 5 stimuli × 2 scales", len(doc.Rows), err)
	}
	if r := doc.Rows[0]; r.Stimulus != "const" || r.Scale != 1 || !r.Comparable || r.SpikeTimeError == nil || math.Abs(*r.SpikeTimeError-0.0401661) > 1e-6 {
		t.Errorf("const at scale 1: %+v, want the experiment's spike_time_error 0.0401661", r)
	}
	for _, f := range []string{"signals_scales.csv", "signals_scales.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, args := range [][]string{{"equiv", "fc", "--scales", "1"}, {"equiv", "signals", "--scales", "0"}} {
		if code := run(context.Background(), args, &o, &e); code != exitUsage || !strings.Contains(e.String(), "--scales") {
			t.Errorf("%v: exit %d, want 2 naming --scales", args, code)
		}
	}
}
