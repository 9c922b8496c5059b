package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// WriteJSON writes v as indented JSON to path, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// WriteCSV writes a header and rows to path, atomically.
func WriteCSV(path string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// WriteNPY writes a rows × cols float64 matrix (row-major data) as a NumPy
// .npy file, atomically. A matrix with no rows is written with shape (0, cols).
func WriteNPY(path string, rows, cols int, data []float64) error {
	if rows < 0 || cols < 0 || (rows > 0 && cols == 0) || len(data) != rows*cols {
		return fmt.Errorf("%s: %d values for a %d×%d matrix", path, len(data), rows, cols)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		if rows == 0 {
			return writeEmptyNPY(w, cols)
		}
		return npyio.Write(w, mat.NewDense(rows, cols, data))
	})
}

// writeEmptyNPY writes the header of a (0, cols) float64 array, which gonum's
// mat.Dense cannot represent.
func writeEmptyNPY(w io.Writer, cols int) error {
	hdr := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (0, %d), }", cols)
	// Pad so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
	total := 10 + len(hdr) + 1
	for total%64 != 0 {
		hdr += " "
		total++
	}
	hdr += "\n"
	out := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	out = append(out, hdr...)
	_, err := w.Write(out)
	return err
}
