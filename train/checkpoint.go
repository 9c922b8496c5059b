package train

import (
	"errors"
	"fmt"
	"math"

	"github.com/hhnet/hhnet/internal/sealed"
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
// SHA-256 of the payload, gob payload (package sealed).
func WriteCheckpoint(path string, c *Checkpoint) error {
	return sealed.Write(path, checkpointMagic, c)
}

// ReadCheckpoint reads and verifies a checkpoint file. Errors name the
// file; damaged files give errors wrapping ErrBadCheckpoint.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	return sealed.ReadFile(path, checkpointMagic, ErrBadCheckpoint, (*Checkpoint).validate)
}

// ParseCheckpoint decodes the bytes of a checkpoint file.
func ParseCheckpoint(b []byte) (*Checkpoint, error) {
	return sealed.Load(b, checkpointMagic, ErrBadCheckpoint, (*Checkpoint).validate)
}

// decodePayload decodes and validates a checkpoint's payload (the part the
// checksum covers); the fuzz target calls it directly, past the checksum.
func decodePayload(payload []byte) (*Checkpoint, error) {
	return sealed.DecodeValid(payload, ErrBadCheckpoint, (*Checkpoint).validate)
}

// Bounds a checkpoint's settings must respect (those of `hhnet train`).
const (
	maxEpochs = 1_000_000
	maxBatch  = 4096
)

// validate checks every decoded field before anything uses it: a crafted
// file with a valid checksum must give an error, never a panic or a run
// that starts from nonsense.
func (c *Checkpoint) validate() error {
	s := c.Settings
	if s.Epochs < 1 || s.Epochs > maxEpochs || s.Batch < 1 || s.Batch > maxBatch {
		return fmt.Errorf("settings: %d epochs of batch %d", s.Epochs, s.Batch)
	}
	if !finite(s.Noise) || s.Noise < 0 || !finite(s.LR) || s.LR < 0 || !finite(s.WeightDecay) || s.WeightDecay < 0 {
		return fmt.Errorf("settings: noise %v, lr %v, weight decay %v", s.Noise, s.LR, s.WeightDecay)
	}
	if c.Epoch < 0 || c.Epoch > s.Epochs || c.Batch < 0 || c.AdamStep < 0 {
		return fmt.Errorf("position: epoch %d of %d, batch %d, Adam step %d", c.Epoch, s.Epochs, c.Batch, c.AdamStep)
	}
	if len(c.Records) != c.Epoch {
		return fmt.Errorf("%d epoch records at epoch %d", len(c.Records), c.Epoch)
	}
	for i, r := range c.Records {
		if r.Epoch != i+1 || !finite(r.Loss) || !finite(r.Acc1) || !finite(r.Acc2) || !finite(r.LR) || !finite(r.TrainSeconds) || !finite(r.ReadoutRate) {
			return fmt.Errorf("record %d: %+v", i+1, r)
		}
	}
	p := c.Partial
	if p.N < 0 || p.Batches < 0 || p.Batches > c.Batch || p.Correct1 < 0 || p.Correct1 > p.N || p.Correct2 < 0 || p.Correct2 > p.N ||
		!finite(p.Loss) || !finite(p.Seconds) {
		return fmt.Errorf("running sums of the epoch in progress: %+v", p)
	}
	if len(c.AdamM) != len(c.Params) || len(c.AdamV) != len(c.Params) {
		return fmt.Errorf("%d parameter tensors with %d and %d Adam moments", len(c.Params), len(c.AdamM), len(c.AdamV))
	}
	for i, v := range c.Params {
		if len(c.AdamM[i]) != len(v) || len(c.AdamV[i]) != len(v) {
			return fmt.Errorf("parameter tensor %d: %d values, Adam moments %d and %d", i, len(v), len(c.AdamM[i]), len(c.AdamV[i]))
		}
		for _, t := range [][]float32{v, c.AdamM[i], c.AdamV[i]} {
			if !allFinite(t) {
				return fmt.Errorf("parameter tensor %d holds a NaN or infinite value", i)
			}
		}
	}
	for i, f := range c.Frozen {
		if !allFinite(f) {
			return fmt.Errorf("frozen tensor %d holds a NaN or infinite value", i)
		}
	}
	return nil
}

// fits checks the checkpoint's position against an epoch of batches.
func (c *Checkpoint) fits(batches int) error {
	if c.Batch > batches {
		return fmt.Errorf("%w: position batch %d, but an epoch has %d (other data or batch size?)", ErrBadCheckpoint, c.Batch, batches)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func allFinite(v []float32) bool {
	for _, x := range v {
		if x-x != 0 { // NaN and ±Inf give NaN
			return false
		}
	}
	return true
}
