package train

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

// checkpointMagic opens a checkpoint file; the last byte is the format version.
const checkpointMagic = "HHNETCK\x01"

// ErrBadCheckpoint marks a checkpoint file that is truncated, corrupt or
// not a checkpoint.
var ErrBadCheckpoint = errors.New("not a valid checkpoint")

// Checkpoint is everything a run needs to continue bit-exactly: settings,
// position, the finished epochs' records, the running sums of the epoch
// in progress, the parameters and the optimiser state.
type Checkpoint struct {
	Settings Settings
	Epoch    int // the epoch in progress (0-based); == Settings.Epochs when done
	Batch    int // batches of Epoch already trained
	Records  []Record
	Partial  Partial
	Params   [][]float32
	AdamM    [][]float32
	AdamV    [][]float32
	AdamStep int
	Frozen   [][]float32 // frozen HH rate coefficients, if any
}

// Partial are the running sums of an unfinished epoch.
type Partial struct {
	Loss               float64
	Correct1, Correct2 int
	N, Batches         int
	Seconds            float64
}

// WriteCheckpoint writes c to path atomically: magic, payload length,
// SHA-256 of the payload, gob payload.
func WriteCheckpoint(path string, c *Checkpoint) error {
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(c); err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	sum := sha256.Sum256(payload.Bytes())
	return atomicfile.Write(path, func(w io.Writer) error {
		head := append([]byte(checkpointMagic), binary.LittleEndian.AppendUint64(nil, uint64(payload.Len()))...)
		for _, b := range [][]byte{head, sum[:], payload.Bytes()} {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReadCheckpoint reads and verifies a checkpoint file. Errors name the
// file; damaged files give errors wrapping ErrBadCheckpoint.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseCheckpoint decodes the bytes of a checkpoint file.
func ParseCheckpoint(b []byte) (*Checkpoint, error) {
	const head = len(checkpointMagic) + 8 + sha256.Size
	if len(b) < head || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("%w: no checkpoint header", ErrBadCheckpoint)
	}
	n := binary.LittleEndian.Uint64(b[8:16])
	if n != uint64(len(b)-head) {
		return nil, fmt.Errorf("%w: truncated (payload %d bytes, header says %d)", ErrBadCheckpoint, len(b)-head, n)
	}
	payload := b[head:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], b[16:head]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrBadCheckpoint)
	}
	var c Checkpoint
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	return &c, nil
}
