package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/dataset"
)

// fakeDataDir writes small random MNIST and Fashion-MNIST sources (30
// training and 10 test images each) and returns the folder.
func fakeDataDir(t *testing.T) string {
	t.Helper()
	return fakeDataDirN(t, 30, 10)
}

// fakeDataDirN writes random MNIST and Fashion-MNIST stand-ins with nTrain
// and nTest images per split (twice as many composites each).
func fakeDataDirN(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	mk := func(n int) *dataset.Images {
		s := &dataset.Images{N: n, Rows: 28, Cols: 28, Pixels: make([]byte, n*784), Labels: make([]byte, n)}
		for i := range s.Pixels {
			s.Pixels[i] = byte(rng.IntN(256))
		}
		for i := range s.Labels {
			s.Labels[i] = byte(i % 10)
		}
		return s
	}
	for _, src := range []string{"mnist", "fashion-mnist"} {
		if err := dataset.WriteSourceDir(filepath.Join(dir, src), mk(nTrain), mk(nTest)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestNewDataCmd(t *testing.T) {
	t.Setenv("HHNET_DATA", "/from/env")
	for _, tc := range []struct {
		args  []string
		name  string
		check func(*dataOptions) bool
	}{
		{[]string{"prepare"}, "prepare", func(o *dataOptions) bool {
			return o.Variant == "all" && o.Seed == 0 && o.DataDir == "/from/env"
		}},
		{[]string{"info", "--json", "--seed", "4", "--data-dir", "D"}, "info", func(o *dataOptions) bool {
			return o.JSON && o.Seed == 4 && o.DataDir == "D" && o.Variant == "all"
		}},
		{[]string{"show", "--variant", "multi-fashion", "--split", "train", "--n", "4", "--out", "g.png"}, "show", func(o *dataOptions) bool {
			return o.Variant == "multi-fashion" && o.Split == "train" && o.N == 4 && o.OutFile == "g.png"
		}},
	} {
		var got *dataOptions
		var gotName string
		cmd := newDataCmd(func(_ context.Context, name string, o *dataOptions) error { gotName, got = name, o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if gotName != tc.name || !tc.check(got) {
			t.Errorf("%v: ran %q with %+v", tc.args, gotName, got)
		}
	}
}

func TestDataUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"data", "prepare", "--variant", "multi-cifar"}, "--variant"},
		{[]string{"data", "show", "--variant", "all"}, "--variant"},
		{[]string{"data", "show", "--split", "val"}, "--split"},
		{[]string{"data", "show", "--n", "0"}, "--n"},
		{[]string{"data", "show", "--out", "grid.jpg"}, ".png"},
		{[]string{"data", "info", "extra"}, "unknown command"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

func TestRunData(t *testing.T) {
	data, cache := fakeDataDir(t), t.TempDir()
	ctx := context.Background()
	common := []string{"--data-dir", data, "--cache-dir", cache}
	var out, errb bytes.Buffer
	if code := run(ctx, append([]string{"data", "prepare"}, common...), &out, &errb); code != 0 {
		t.Fatalf("prepare: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "generated multi-fashion-mnist/test (20 images)") {
		t.Errorf("prepare log: %s", errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(ctx, append([]string{"data", "info", "--json"}, common...), &out, &errb); code != 0 {
		t.Fatalf("info: exit %d: %s", code, errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("info regenerated prepared data: %s", errb.String())
	}
	var doc struct {
		Variants map[string]map[string]struct {
			N         int     `json:"n"`
			MeanPixel float64 `json:"mean_pixel"`
			LabelHist [][]int `json:"label_hist"`
			SHA256    string  `json:"sha256"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("info JSON: %v\n%s", err, out.String())
	}
	if len(doc.Variants) != 3 {
		t.Fatalf("info lists %d variants", len(doc.Variants))
	}
	for name, splits := range doc.Variants {
		for split, n := range map[string]int{"train": 60, "test": 20} {
			in := splits[split]
			total := 0
			for _, c := range in.LabelHist[0] {
				total += c
			}
			if in.N != n || total != n || len(in.LabelHist) != 2 || len(in.SHA256) != 64 || in.MeanPixel <= 0 || in.MeanPixel > 255 {
				t.Errorf("%s/%s: %+v", name, split, in)
			}
		}
	}
	grid := filepath.Join(t.TempDir(), "grid.png")
	out.Reset()
	if code := run(ctx, append([]string{"data", "show", "--variant", "multi-mnist", "--n", "5", "--out", grid}, common...), &out, &errb); code != 0 {
		t.Fatalf("show: exit %d: %s", code, errb.String())
	}
	f, err := os.Open(grid)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 3*108 {
		t.Fatalf("grid: %v, bounds %v", err, img.Bounds())
	}
}
