package sim

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadMatrixCSV(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		rows, cols int
		errHas     string // "" = no error
	}{
		{"ok", "1,2\n3,4\n", 2, 2, ""},
		{"blank lines and spaces", "\n 1, 2 \n\n3,4", 2, 2, ""},
		{"truncated", "1,2\n", 2, 2, "1 rows, want 2"},
		{"extra row", "1,2\n3,4\n5,6\n", 2, 2, "line 3: more than"},
		{"short row", "1,2\n3\n", 2, 2, "line 2: 1 values, want 2"},
		{"not a number", "1,x\n3,4\n", 2, 2, `line 1, column 2: "x" is not a number`},
		{"NaN", "1,NaN\n3,4\n", 2, 2, "not a finite number"},
		{"Inf", "1,2\n-Inf,4\n", 2, 2, "not a finite number"},
		{"empty", "", 2, 2, "0 rows"},
		{"bad shape", "1", 0, 1, "positive shape"},
	} {
		m, err := ReadMatrixCSV(strings.NewReader(tc.in), tc.rows, tc.cols)
		if tc.errHas == "" {
			if err != nil || m[1][1] != 4 {
				t.Errorf("%s: %v, %v", tc.name, m, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.errHas)
		}
	}
}

func TestLoadFCErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadFC(filepath.Join(dir, "absent")); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := LoadFC(dir); err == nil || !strings.Contains(err.Error(), FileW01) {
		t.Errorf("missing W01: %v", err)
	}
	// A W01 of the wrong shape.
	os.WriteFile(filepath.Join(dir, FileW01), []byte("1,2\n"), 0o644)
	if _, err := LoadFC(dir); err == nil || !strings.Contains(err.Error(), FileW01) || !strings.Contains(err.Error(), "784×128") {
		t.Errorf("wrong shape: %v", err)
	}
}

func FuzzReadMatrixCSV(f *testing.F) {
	f.Add("1,2\n3,4\n", 2, 2)
	f.Add("0.5\n", 1, 1)
	f.Add("1e308,-1e-308\n", 1, 2)
	f.Add("1,,2\n", 1, 3)
	f.Add("NaN,Inf\n", 1, 2)
	f.Add("+inf,1e999\n", 1, 2)
	f.Fuzz(func(t *testing.T, in string, rows, cols int) {
		if rows > 50 || cols > 50 {
			return
		}
		m, err := ReadMatrixCSV(strings.NewReader(in), rows, cols)
		if err != nil {
			return
		}
		if len(m) != rows {
			t.Fatalf("%d rows, asked %d", len(m), rows)
		}
		for _, r := range m {
			if len(r) != cols {
				t.Fatalf("row of %d, asked %d", len(r), cols)
			}
			for _, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("accepted the non-finite value %v", v)
				}
			}
		}
	})
}
