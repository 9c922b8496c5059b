package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

func TestWriteNPYRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	if err := WriteNPY(path, 2, 2, []float64{0, 1.5, 1, 2.5}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	var m mat.Dense
	if err := npyio.Read(f, &m); err != nil {
		t.Fatal(err)
	}
	if r, c := m.Dims(); r != 2 || c != 2 || m.At(1, 1) != 2.5 || m.At(0, 1) != 1.5 {
		t.Errorf("read back %v", mat.Formatted(&m))
	}
	// An empty train still gives a valid (0, 2) array.
	if err := WriteNPY(filepath.Join(dir, "e.npy"), 0, 2, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "e.npy"))
	if len(b)%64 != 0 || !bytes.Contains(b, []byte("'shape': (0, 2)")) {
		t.Errorf("empty npy header %q", b)
	}
	if err := WriteNPY(path, 3, 2, []float64{1}); err == nil {
		t.Error("wrong data length: want an error")
	}
}

func TestFigures(t *testing.T) {
	dir := t.TempDir()
	tt := []float64{0, 1, 2, 3}
	for _, f := range []func() error{
		func() error {
			return VoltageOverlay(filepath.Join(dir, "v.png"), "t", tt, []float64{0, 1, 0, 1}, []float64{0, 1.1, 0, 1}, "HH", "LIF")
		},
		func() error {
			return Raster(filepath.Join(dir, "r.svg"), "t", []RasterRow{{Label: "a", Times: []float64{1, 2}}, {Label: "b", Test: true}}, 4)
		},
		func() error {
			return GroupedBars(filepath.Join(dir, "b.png"), "t", "n", []string{"x", "y"}, []string{"s"}, [][]float64{{1, 2}})
		},
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"v.png", "r.svg", "b.png"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() < 500 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := Raster(filepath.Join(dir, "r.gif"), "t", nil, 1); err == nil {
		t.Error("unknown figure format: want an error")
	}
}
