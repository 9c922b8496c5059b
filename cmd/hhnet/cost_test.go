package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestCostJSON: `hhnet cost --json` gives exactly the paper's MUL and
// parameter figures (docs/model.md §6; LIF_hh_conv corrected).
func TestCostJSON(t *testing.T) {
	dir := t.TempDir()
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"cost", "--measure=false", "--json", "--out", dir}, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	var doc struct {
		Models map[string]struct {
			Mul          int64 `json:"mul"`
			Add          int64 `json:"add"`
			Params       int64 `json:"params"`
			FrozenParams int   `json:"frozen_params"`
		} `json:"models"`
	}
	if err := json.Unmarshal(o.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][3]int64{ // MUL, params, frozen
		"LIF_fc": {10001920, 690734, 0}, "HH_fc": {10155520, 690734, 3072}, "LIF_hh_fc": {30077440, 2095666, 0},
		"4LIF_fc": {40007680, 2759726, 0}, "LIF_conv": {6893100, 42580, 0}, "HH_conv": {11753100, 42580, 324},
		"LIF_hh_conv": {22177800, 166104, 0}, "4LIF_conv": {80060400, 177910, 0},
		"HHv_fc": {16737280, 690735, 0}, "HHv_conv": {220004100, 42582, 0},
	}
	for name, w := range want {
		m, ok := doc.Models[name]
		if !ok || m.Mul != w[0] || m.Params != w[1] || int64(m.FrozenParams) != w[2] {
			t.Errorf("%s: %+v, want mul %d params %d frozen %d", name, m, w[0], w[1], w[2])
		}
	}
	if len(doc.Models) != 12 {
		t.Errorf("%d models, want 12", len(doc.Models))
	}
	for _, f := range []string{"cost.json", "cost.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestCostMeasured(t *testing.T) {
	data, cache := fakeDataDir(t), t.TempDir()
	var o, e bytes.Buffer
	args := []string{"cost", "--model", "ANN", "--repeats", "1", "--data", "multi-mnist", "--data-dir", data, "--cache-dir", cache, "--out", t.TempDir(), "--json"}
	if code := run(context.Background(), args, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	var doc struct {
		Models map[string]struct {
			Implemented      bool    `json:"implemented"`
			TrainMsPerSample float64 `json:"train_ms_per_sample"`
			StepMemoryBytes  uint64  `json:"step_memory_bytes"`
		} `json:"models"`
	}
	if err := json.Unmarshal(o.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if m := doc.Models["ANN"]; !m.Implemented || m.TrainMsPerSample <= 0 || m.StepMemoryBytes == 0 {
		t.Errorf("ANN: %+v", m)
	}
}

// TestCPUProfile: --cpuprofile writes a profile (gzip, as pprof writes
// them) of any command, and a folder that does not exist is a usage error
// naming the flag.
func TestCPUProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cost.prof")
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"cost", "--measure=false", "--json", "--out", dir, "--cpuprofile", path}, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("profile %d bytes, %v: not a gzip file", len(b), err)
	}
	e.Reset()
	bad := filepath.Join(dir, "missing", "x.prof")
	if code := run(context.Background(), []string{"cost", "--measure=false", "--out", dir, "--cpuprofile", bad}, &o, &e); code != 2 || !bytes.Contains(e.Bytes(), []byte("--cpuprofile")) {
		t.Errorf("exit %d, %q: want 2 and a message naming --cpuprofile", code, e.String())
	}
}
