package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/train"
)

func TestNewTrainCmd(t *testing.T) {
	var got *trainOptions
	cmd := newTrainCmd(func(_ context.Context, o *trainOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--model", "HH_fc", "--data", "multi-fashion", "--epochs", "3", "--noise", "50", "--seed", "7"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	s := got.Settings
	if s.Model != "HH_fc" || s.Data != "multi-fashion" || s.Epochs != 3 || s.Noise != 50 || s.Seed != 7 || s.Batch != 128 ||
		got.OutDir != filepath.Join("out", "train", "HH_fc-multi-fashion-seed7-noise50") || got.Resume || got.JSON {
		t.Errorf("options %+v", got)
	}
}

// TestTrainDefaults: without flags the model trains at seed 2 (at seed 1
// the binary CNN starts silent), 40 epochs of 128 images, in
// out/train/MODEL-DATA-seed2.
func TestTrainDefaults(t *testing.T) {
	var got *trainOptions
	cmd := newTrainCmd(func(_ context.Context, o *trainOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--model", "CNN", "--data", "multi-fashion-mnist"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	s := got.Settings
	if s.Seed != 2 || s.Epochs != 40 || s.Batch != 128 || s.Noise != 0 ||
		got.OutDir != filepath.Join("out", "train", "CNN-multi-fashion-mnist-seed2") {
		t.Errorf("defaults %+v, out %s", s, got.OutDir)
	}
}

func TestTrainUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train"}, "--model and --data are required"},
		{[]string{"train", "--model", "GRU", "--data", "multi-mnist"}, "--model"},
		{[]string{"train", "--model", "LIF_fc", "--data", "cifar"}, "--data"},
		{[]string{"train", "--model", "LIF_fc", "--data", "multi-mnist", "--epochs", "0"}, "--epochs"},
		{[]string{"train", "--model", "LIF_fc", "--data", "multi-mnist", "--batch", "0"}, "--batch"},
		{[]string{"train", "--model", "LIF_fc", "--data", "multi-mnist", "--noise", "-3"}, "--noise"},
		{[]string{"train", "--model", "LIF_fc", "--data", "multi-mnist", "--train-subset", "-1"}, "--train-subset"},
		{[]string{"train", "--model", "LIF_fc", "--data", "multi-mnist", "--workers", "-1"}, "--workers"},
		{[]string{"train", "--model", "LIF_fc", "--data", "multi-mnist", "--lr", "-1"}, "--lr"},
		{[]string{"eval"}, "--checkpoint is required"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

// TestRunTrain trains LIF_fc for one epoch on a tiny generated dataset,
// resumes to two, and re-evaluates the checkpoint, all through the CLI.
func TestRunTrain(t *testing.T) {
	data, cache, out := fakeDataDir(t), t.TempDir(), t.TempDir()
	common := []string{"--model", "LIF_fc", "--data", "multi-mnist", "--batch", "32", "--data-dir", data, "--cache-dir", cache, "--out", out, "--json"}
	type summary struct {
		Model  string `json:"model"`
		Data   string `json:"data"`
		Epochs []struct {
			Epoch        int     `json:"epoch"`
			Loss         float64 `json:"loss"`
			Acc1         float64 `json:"acc1"`
			Acc2         float64 `json:"acc2"`
			TrainSeconds float64 `json:"train_seconds"`
		} `json:"epochs"`
	}
	train := func(extra ...string) summary {
		t.Helper()
		var o, e bytes.Buffer
		if code := run(context.Background(), append(append([]string{"train"}, common...), extra...), &o, &e); code != 0 {
			t.Fatalf("train %v: exit %d: %s", extra, code, e.String())
		}
		var s summary
		if err := json.Unmarshal(o.Bytes(), &s); err != nil {
			t.Fatalf("train JSON: %v\n%s", err, o.String())
		}
		return s
	}
	s := train("--epochs", "1")
	if s.Model != "LIF_fc" || s.Data != "multi-mnist" || len(s.Epochs) != 1 || s.Epochs[0].Epoch != 1 || s.Epochs[0].Loss <= 0 {
		t.Fatalf("one epoch: %+v", s)
	}
	s = train("--epochs", "2", "--resume")
	if len(s.Epochs) != 2 || s.Epochs[1].Epoch != 2 {
		t.Fatalf("resumed to two epochs: %+v", s)
	}
	lines, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if err != nil || strings.Count(string(lines), "\n") != 2 {
		t.Fatalf("metrics.jsonl: %v\n%s", err, lines)
	}
	var o, e bytes.Buffer
	args := []string{"eval", "--checkpoint", filepath.Join(out, "checkpoint.bin"), "--data-dir", data, "--cache-dir", cache, "--json"}
	if code := run(context.Background(), args, &o, &e); code != 0 {
		t.Fatalf("eval: exit %d: %s", code, e.String())
	}
	var ev struct {
		Acc1, Acc2 float64
		N          int
	}
	if err := json.Unmarshal(o.Bytes(), &ev); err != nil || ev.N != 20 || ev.Acc1 != s.Epochs[1].Acc1 || ev.Acc2 != s.Epochs[1].Acc2 {
		t.Fatalf("eval %+v (err %v), want n 20 and the last epoch's accuracies %v/%v", ev, err, s.Epochs[1].Acc1, s.Epochs[1].Acc2)
	}
	// A damaged checkpoint is refused with a message naming the file.
	bad := filepath.Join(t.TempDir(), "bad.bin")
	os.WriteFile(bad, []byte("HHNETCK\x01garbage"), 0o644)
	e.Reset()
	if code := run(context.Background(), []string{"eval", "--checkpoint", bad}, &o, &e); code != exitError || !strings.Contains(e.String(), "bad.bin") {
		t.Errorf("damaged checkpoint: exit %d, %q", code, e.String())
	}
}

// TestEvalHHvFiring trains HHv_fc for one epoch on the tiny dataset and
// checks that eval reports its firing statistics.
func TestEvalHHvFiring(t *testing.T) {
	data, cache, out := fakeDataDir(t), t.TempDir(), t.TempDir()
	var o, e bytes.Buffer
	args := []string{"train", "--model", "HHv_fc", "--data", "multi-mnist", "--epochs", "1", "--batch", "32",
		"--data-dir", data, "--cache-dir", cache, "--out", out}
	if code := run(context.Background(), args, &o, &e); code != 0 {
		t.Fatalf("train: exit %d: %s", code, e.String())
	}
	o.Reset()
	args = []string{"eval", "--checkpoint", filepath.Join(out, "checkpoint.bin"), "--data-dir", data, "--cache-dir", cache, "--json"}
	if code := run(context.Background(), args, &o, &e); code != 0 {
		t.Fatalf("eval: exit %d: %s", code, e.String())
	}
	var ev struct {
		Firing *struct {
			MeanRate  float64 `json:"mean_rate"`
			Silent    float64 `json:"silent"`
			PeakMV    float64 `json:"peak_mv"`
			Above80MV float64 `json:"above_80mv"`
		}
	}
	if err := json.Unmarshal(o.Bytes(), &ev); err != nil || ev.Firing == nil {
		t.Fatalf("eval JSON without firing statistics (%v):\n%s", err, o.String())
	}
	f := ev.Firing
	if f.MeanRate <= 0 || f.Silent <= 0 || f.Silent >= 1 || f.PeakMV < 80 || f.Above80MV <= 0 {
		t.Errorf("firing %+v: want some neurons spiking (peaks above 80 mV) and some silent", *f)
	}
}

// TestTrainWorkersSameBits trains one model end to end through the
// command line with one and with two workers: the parameters, Adam's
// state and every epoch's losses and accuracies are the same bits, so a
// sweep may divide the cores among its runs as it likes.
func TestTrainWorkersSameBits(t *testing.T) {
	data, cache := fakeDataDir(t), t.TempDir()
	var cks []*train.Checkpoint
	for _, w := range []string{"1", "2"} {
		out := t.TempDir()
		var o, e bytes.Buffer
		args := []string{"train", "--model", "HH_fc", "--data", "multi-mnist", "--batch", "16", "--epochs", "2", "--data-dir", data, "--cache-dir", cache, "--out", out, "--workers", w}
		if code := run(context.Background(), args, &o, &e); code != 0 {
			t.Fatalf("--workers %s: exit %d: %s", w, code, e.String())
		}
		ck, err := train.ReadCheckpoint(filepath.Join(out, train.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		cks = append(cks, ck)
	}
	a, b := cks[0], cks[1]
	for i := range a.Records {
		a.Records[i].TrainSeconds, b.Records[i].TrainSeconds = 0, 0
	}
	if !reflect.DeepEqual(a.Params, b.Params) || !reflect.DeepEqual(a.AdamM, b.AdamM) || !reflect.DeepEqual(a.AdamV, b.AdamV) || !reflect.DeepEqual(a.Records, b.Records) {
		t.Errorf("one and two workers differ:\n%+v\n%+v", a.Records, b.Records)
	}
}
