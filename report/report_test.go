package report

import (
	"bytes"
	"encoding/binary"
	"math"
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

// FuzzWriteNPY: any shape and values either give an error or a file that
// NumPy's format reads back to the same shape and bits.
func FuzzWriteNPY(f *testing.F) {
	f.Add(2, 2, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31})
	f.Add(0, 3, []byte{})
	f.Add(-1, 0, []byte{})
	f.Add(1, 1, []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f}) // NaN
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, rows, cols int, raw []byte) {
		if rows > 64 || cols > 64 {
			return
		}
		data := make([]float64, len(raw)/8)
		for i := range data {
			data[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		path := filepath.Join(dir, "x.npy")
		os.Remove(path)
		if err := WriteNPY(path, rows, cols, data); err != nil {
			if _, serr := os.Stat(path); serr == nil {
				t.Fatalf("a failed write left %s", path)
			}
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := npyio.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("written file unreadable: %v", err)
		}
		if shape := r.Header.Descr.Shape; len(shape) != 2 || shape[0] != rows || shape[1] != cols {
			t.Fatalf("shape %v, wrote %d×%d", shape, rows, cols)
		}
		if rows == 0 {
			return
		}
		var back []float64
		if err := r.Read(&back); err != nil {
			t.Fatal(err)
		}
		for i := range data {
			if math.Float64bits(back[i]) != math.Float64bits(data[i]) {
				t.Fatalf("value %d: %v, wrote %v", i, back[i], data[i])
			}
		}
	})
}
