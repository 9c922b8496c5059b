package rundir

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestPrepare(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if moved, err := Prepare(dir, false, false, "ck.bin"); err != nil || moved != "" {
		t.Fatalf("absent folder: %q, %v", moved, err)
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "other.txt"), []byte("x"), 0o644)
	if _, err := Prepare(dir, false, false, "ck.bin"); err != nil {
		t.Fatalf("folder without a run: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "ck.bin"), []byte("run"), 0o644)
	if _, err := Prepare(dir, false, false, "ck.bin"); !errors.Is(err, ErrExists) {
		t.Fatalf("earlier run: %v, want ErrExists", err)
	}
	if _, err := Prepare(dir, true, false, "ck.bin"); err != nil {
		t.Fatalf("resume: %v", err)
	}
	var moved []string
	for range 2 {
		m, err := Prepare(dir, false, true, "ck.bin")
		if err != nil || m == "" {
			t.Fatalf("force: %q, %v", m, err)
		}
		moved = append(moved, m)
		if b, err := os.ReadFile(filepath.Join(m, "ck.bin")); err != nil || string(b) != "run" {
			t.Fatalf("moved run: %q, %v", b, err)
		}
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "ck.bin"), []byte("run"), 0o644)
	}
	if moved[0] == moved[1] {
		t.Errorf("two forced moves in one second share the name %s", moved[0])
	}
}
