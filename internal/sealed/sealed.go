// Package sealed stores a Go value in a file that proves its own
// integrity: an 8-byte magic (a format name and version), the payload's
// length, its SHA-256 and the gob-encoded payload, written atomically. A
// truncated, damaged or foreign file is refused before anything decodes it.
package sealed

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// ErrDamaged marks a file that is not a sealed file of the expected kind,
// or whose content does not match its checksum.
var ErrDamaged = errors.New("damaged or foreign file")

// headSize is the magic, the payload length and the checksum.
const headSize = 8 + 8 + sha256.Size

// Write gob-encodes v and writes it to path atomically under magic (8 bytes).
func Write(path, magic string, v any) error {
	if len(magic) != 8 {
		return fmt.Errorf("sealed: magic %q is not 8 bytes", magic)
	}
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(v); err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	sum := sha256.Sum256(payload.Bytes())
	return atomicfile.Write(path, func(w io.Writer) error {
		head := append([]byte(magic), binary.LittleEndian.AppendUint64(nil, uint64(payload.Len()))...)
		for _, b := range [][]byte{head, sum[:], payload.Bytes()} {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// Payload checks b's magic, length and checksum and returns the payload.
// Errors wrap ErrDamaged.
func Payload(b []byte, magic string) ([]byte, error) {
	if len(b) < headSize || string(b[:8]) != magic {
		return nil, fmt.Errorf("%w: no %q header", ErrDamaged, magic)
	}
	n := binary.LittleEndian.Uint64(b[8:16])
	if n != uint64(len(b)-headSize) {
		return nil, fmt.Errorf("%w: truncated (payload %d bytes, header says %d)", ErrDamaged, len(b)-headSize, n)
	}
	payload := b[headSize:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], b[16:headSize]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrDamaged)
	}
	return payload, nil
}

// Decode gob-decodes a payload into v (a pointer); errors wrap ErrDamaged.
func Decode(payload []byte, v any) error {
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return nil
}

// DecodeValid decodes a payload into a new T and validates it; every
// error wraps bad (the caller's "not a valid checkpoint").
func DecodeValid[T any](payload []byte, bad error, validate func(*T) error) (*T, error) {
	var v T
	if err := Decode(payload, &v); err != nil {
		return nil, fmt.Errorf("%w: %v", bad, err)
	}
	if err := validate(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", bad, err)
	}
	return &v, nil
}

// Load checks a sealed file's bytes and decodes them as DecodeValid does.
func Load[T any](b []byte, magic string, bad error, validate func(*T) error) (*T, error) {
	payload, err := Payload(b, magic)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", bad, err)
	}
	return DecodeValid(payload, bad, validate)
}

// ReadFile is Load on the file at path; errors name the file, and a
// missing file gives an error wrapping os.ErrNotExist.
func ReadFile[T any](path, magic string, bad error, validate func(*T) error) (*T, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := Load(b, magic, bad, validate)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
