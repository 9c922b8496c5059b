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
	"math"
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

// Tensors is a list of float32 tensors that gob stores as raw
// little-endian bytes: their count, each one's length, then the values.
// Gob's own encoding of a float32 (a reversed float64 as a variable-length
// integer) made a checkpoint of 3.7 M values take 5× longer to write.
type Tensors [][]float32

// MarshalBinary encodes t for gob.
func (t Tensors) MarshalBinary() ([]byte, error) {
	n := 8
	for _, v := range t {
		n += 8 + 4*len(v)
	}
	b := make([]byte, 0, n)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(t)))
	for _, v := range t {
		b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote, refusing lengths the
// bytes cannot hold.
func (t *Tensors) UnmarshalBinary(b []byte) error {
	count := func() (int, error) {
		if len(b) < 8 {
			return 0, fmt.Errorf("%w: tensors truncated", ErrDamaged)
		}
		n := binary.LittleEndian.Uint64(b)
		b = b[8:]
		if n > uint64(len(b)) {
			return 0, fmt.Errorf("%w: a length of %d in %d bytes", ErrDamaged, n, len(b))
		}
		return int(n), nil
	}
	tensors, err := count()
	if err != nil {
		return err
	}
	out := make(Tensors, tensors)
	for i := range out {
		n, err := count()
		if err != nil {
			return err
		}
		if 4*n > len(b) {
			return fmt.Errorf("%w: tensor %d of %d values in %d bytes", ErrDamaged, i, n, len(b))
		}
		v := make([]float32, n)
		for j := range v {
			v[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
		}
		out[i], b = v, b[4*n:]
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes after the tensors", ErrDamaged, len(b))
	}
	*t = out
	return nil
}
