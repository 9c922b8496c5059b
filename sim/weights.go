package sim

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ReadMatrixCSV reads a plain CSV matrix (no header, comma-separated
// numbers, one row a line) of exactly rows × cols finite values. Blank lines
// are skipped; anything else that is not a number, a row of the wrong
// length, a wrong row count, NaN or ±Inf is an error naming the line.
func ReadMatrixCSV(r io.Reader, rows, cols int) ([][]float64, error) {
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("want a positive shape, got %d×%d", rows, cols)
	}
	m := make([][]float64, 0, rows)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if len(m) == rows {
			return nil, fmt.Errorf("line %d: more than the expected %d rows", line, rows)
		}
		fields := strings.Split(text, ",")
		if len(fields) != cols {
			return nil, fmt.Errorf("line %d: %d values, want %d (expected a %d×%d matrix)", line, len(fields), cols, rows, cols)
		}
		row := make([]float64, cols)
		for j, f := range fields {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %d: %q is not a number", line, j+1, f)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("line %d, column %d: %v is not a finite number", line, j+1, v)
			}
			row[j] = v
		}
		m = append(m, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if len(m) != rows {
		return nil, fmt.Errorf("%d rows, want %d (expected a %d×%d matrix; is the file truncated?)", len(m), rows, rows, cols)
	}
	return m, nil
}

// ReadMatrixFile reads a CSV matrix from path (gzip-compressed when the
// name ends in .gz); errors name the file.
func ReadMatrixFile(path string, rows, cols int) ([][]float64, error) {
	return readMatrixFS(os.DirFS(filepath.Dir(path)), filepath.Base(path), path, rows, cols)
}

// readMatrixFS reads name from fsys, or name.gz when name is absent; shown
// is the path errors give for the folder.
func readMatrixFS(fsys fs.FS, name, shown string, rows, cols int) ([][]float64, error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) && !strings.HasSuffix(name, ".gz") {
		if g, gerr := fsys.Open(name + ".gz"); gerr == nil {
			f, err, name, shown = g, nil, name+".gz", shown+".gz"
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, unwrapPathError(err))
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: not a gzip file: %w", shown, err)
		}
		defer z.Close()
		r = z
	}
	m, err := ReadMatrixCSV(r, rows, cols)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	return m, nil
}

// unwrapPathError drops the *fs.PathError wrapper, whose path is relative
// to the folder and would repeat the name the caller already gives.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// FCData is the fully connected 784–128–10 network of the equivalence
// experiment: input→hidden weights (784×128, row k is input pixel k),
// hidden→output weights (128×10) and a 28×28 grey image (0–255) flattened
// column-major, the order W01 expects.
type FCData struct {
	W01    [][]float64
	W12    [][]float64
	Image  []float64
	Source string // the folder read, or "random (seed N)"
}

// The file names of the paper's network in a weights folder.
const (
	FileW01   = "W01_784x128.csv"
	FileW12   = "W12_128x10.csv"
	FileImage = "image_flat_colmajor_784.csv"
)

// Sizes of the fully connected network.
const (
	FCInputs = 784
	FCHidden = 128
	FCOutput = 10
)

// LoadFC reads the paper's network from the folder dir (files FileW01,
// FileW12 and FileImage, each plain or gzip-compressed with a .gz suffix).
// A missing or malformed file is an error that names it.
func LoadFC(dir string) (*FCData, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("weights folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("weights folder %s is not a directory", dir)
	}
	return LoadFCFS(os.DirFS(dir), dir)
}

// LoadFCFS reads the paper's network from fsys (the layout of LoadFC);
// source names it in errors and in FCData.Source.
func LoadFCFS(fsys fs.FS, source string) (*FCData, error) {
	var err error
	d := &FCData{Source: source}
	if d.W01, err = readMatrixFS(fsys, FileW01, filepath.Join(source, FileW01), FCInputs, FCHidden); err != nil {
		return nil, err
	}
	if d.W12, err = readMatrixFS(fsys, FileW12, filepath.Join(source, FileW12), FCHidden, FCOutput); err != nil {
		return nil, err
	}
	img, err := readMatrixFS(fsys, FileImage, filepath.Join(source, FileImage), FCInputs, 1)
	if err != nil {
		return nil, err
	}
	d.Image = make([]float64, FCInputs)
	for i, r := range img {
		if r[0] < 0 || r[0] > 255 {
			return nil, fmt.Errorf("%s: line %d: grey level %v outside 0–255", filepath.Join(source, FileImage), i+1, r[0])
		}
		d.Image[i] = r[0]
	}
	return d, nil
}

// RandomFC returns a seeded stand-in for the paper's network: a generated
// 28×28 image (a bright disc on a dark ground) and non-negative weights
// scaled so that each hidden neuron receives a constant current drawn
// uniformly from 10–160 µA/cm² — enough for most to fire a few spikes in
// 40 ms, as in the paper's network — and hidden→output weights U[0, 1.6).
func RandomFC(seed uint64) *FCData {
	rng := rand.New(rand.NewPCG(seed, 0x68686e6574)) // "hhnet"
	d := &FCData{Image: make([]float64, FCInputs), Source: fmt.Sprintf("random (seed %d)", seed)}
	sum := 0.0
	for c := range 28 {
		for r := range 28 {
			dy, dx := float64(r)-13.5, float64(c)-13.5
			if dy*dy+dx*dx < 8*8 {
				d.Image[c*28+r] = math.Round(128 + 127*rng.Float64())
			}
			sum += d.Image[c*28+r]
		}
	}
	d.W01 = make([][]float64, FCInputs)
	for k := range d.W01 {
		d.W01[k] = make([]float64, FCHidden)
	}
	for j := range FCHidden {
		target := 10 + 150*rng.Float64()
		scale := 2 * target / sum // E[U(0, scale)]·Σx = target
		for k := range FCInputs {
			d.W01[k][j] = scale * rng.Float64()
		}
	}
	d.W12 = make([][]float64, FCHidden)
	for j := range d.W12 {
		d.W12[j] = make([]float64, FCOutput)
		for o := range d.W12[j] {
			d.W12[j][o] = 1.6 * rng.Float64()
		}
	}
	return d
}

// HiddenCurrent returns W01ᵀ·x, the constant current into each hidden neuron.
func (d *FCData) HiddenCurrent() []float64 {
	cur := make([]float64, len(d.W01[0]))
	for k, x := range d.Image {
		if x == 0 {
			continue
		}
		for j, w := range d.W01[k] {
			cur[j] += w * x
		}
	}
	return cur
}

// errNoData is returned by the experiments for an FCData without weights.
var errNoData = errors.New("sim: fully connected experiment needs weights (LoadFC or RandomFC)")
