// Package jsonl reads and writes files of one JSON record per line — the
// per-epoch and per-evaluation logs of hhnet's runs — written atomically
// and read strictly: every record of the expected type, no unknown field,
// each one checked before it is accepted.
package jsonl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// Write writes recs to path, one per line, atomically.
func Write[T any](path string, recs []T) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// Parse decodes b's records; check(r, n) validates record n (1-based).
func Parse[T any](b []byte, check func(r T, n int) error) ([]T, error) {
	var recs []T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	for dec.More() {
		var r T
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("record %d: %w", len(recs)+1, err)
		}
		if err := check(r, len(recs)+1); err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	return recs[:len(recs):len(recs)], nil
}

// Read reads and parses the file at path; errors name it.
func Read[T any](path string, check func(r T, n int) error) ([]T, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := Parse(b, check)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}
