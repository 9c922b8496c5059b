package jsonl

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type rec struct {
	N int     `json:"n"`
	V float64 `json:"v"`
}

func check(r rec, n int) error {
	if r.N != n {
		return errors.New("out of order")
	}
	return nil
}

func TestRoundTripAndStrictness(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.jsonl")
	want := []rec{{1, 0.5}, {2, -3}}
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path, check)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("read back %v, %v", got, err)
	}
	for _, bad := range []string{`{"n":2}`, `{"n":1,"w":3}`, `{"n":1`, `[1]`} {
		if _, err := Parse([]byte(bad), check); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := Read(filepath.Join(t.TempDir(), "absent"), check); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("a missing file: %v", err)
	}
}
