package vib

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/hhnet/hhnet/internal/sealed"
)

// checkpointMagic opens a bottleneck checkpoint; the last byte is the
// version. Version 2 stores the tensors as raw bytes (Tensors); version 1,
// gob's own float encoding, is still read.
const (
	checkpointMagic   = "HHNETMI\x02"
	checkpointMagicV1 = "HHNETMI\x01"
)

// ErrBadCheckpoint marks a checkpoint that is truncated, damaged, not a
// checkpoint, or holds values no run writes.
var ErrBadCheckpoint = errors.New("not a valid mutual-information checkpoint")

// Checkpoint is everything a run needs to continue bit for bit.
type Checkpoint struct {
	Config   Config
	Epoch    int // the epoch in progress (0-based)
	Batch    int // batches of Epoch already trained
	Records  []Record
	Partial  Partial
	Params   Tensors
	AdamM    Tensors
	AdamV    Tensors
	AdamStep int
	EMA      Tensors // the moving average of Params
	Frozen   Tensors // HH rate coefficients, if any
}

// Tensors is a list of float32 tensors stored as raw bytes.
type Tensors = sealed.Tensors

// checkpointV1 is a version-1 checkpoint: Checkpoint with the tensors in
// gob's own encoding.
type checkpointV1 struct {
	Config                            Config
	Epoch, Batch                      int
	Records                           []Record
	Partial                           Partial
	Params, AdamM, AdamV, EMA, Frozen [][]float32
	AdamStep                          int
}

// upgrade returns c as a Checkpoint.
func (c *checkpointV1) upgrade() *Checkpoint {
	return &Checkpoint{Config: c.Config, Epoch: c.Epoch, Batch: c.Batch, Records: c.Records, Partial: c.Partial,
		Params: c.Params, AdamM: c.AdamM, AdamV: c.AdamV, AdamStep: c.AdamStep, EMA: c.EMA, Frozen: c.Frozen}
}

// Partial are the running sums of an unfinished epoch.
type Partial struct {
	Loss, KL, Seconds float64
	Batches           int
}

// WriteCheckpoint writes c to path atomically with its checksum.
func WriteCheckpoint(path string, c *Checkpoint) error { return sealed.Write(path, checkpointMagic, c) }

// ReadCheckpoint reads and validates a checkpoint; errors name the file,
// and a missing file gives an error wrapping os.ErrNotExist.
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

// ParseCheckpoint decodes a checkpoint file's bytes, of either version.
func ParseCheckpoint(b []byte) (*Checkpoint, error) {
	if len(b) >= len(checkpointMagicV1) && string(b[:len(checkpointMagicV1)]) == checkpointMagicV1 {
		old, err := sealed.Load(b, checkpointMagicV1, ErrBadCheckpoint, func(*checkpointV1) error { return nil })
		if err != nil {
			return nil, err
		}
		c := old.upgrade()
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
		}
		return c, nil
	}
	return sealed.Load(b, checkpointMagic, ErrBadCheckpoint, (*Checkpoint).validate)
}

// decodePayload decodes and validates the checksummed payload; the fuzz
// target calls it directly.
func decodePayload(payload []byte) (*Checkpoint, error) {
	return sealed.DecodeValid(payload, ErrBadCheckpoint, (*Checkpoint).validate)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func allFinite(v []float32) bool {
	for _, x := range v {
		if x-x != 0 {
			return false
		}
	}
	return true
}

// validate checks every decoded field before anything uses it.
func (c *Checkpoint) validate() error {
	g := c.Config
	if _, err := LookupEncoder(g.Encoder); err != nil {
		return err
	}
	if g.Epochs < 1 || g.Epochs > 1_000_000 || g.Batch < 1 || g.Batch > 4096 || !finite(g.Beta) || g.Beta < 0 {
		return fmt.Errorf("config: %d epochs of batch %d, β %v", g.Epochs, g.Batch, g.Beta)
	}
	if c.Epoch < 0 || c.Epoch > g.Epochs || c.Batch < 0 || c.AdamStep < 0 || len(c.Records) != c.Epoch {
		return fmt.Errorf("position: epoch %d of %d, batch %d, Adam step %d, %d records", c.Epoch, g.Epochs, c.Batch, c.AdamStep, len(c.Records))
	}
	for i, r := range c.Records {
		if err := r.check(i + 1); err != nil {
			return err
		}
	}
	p := c.Partial
	if p.Batches < 0 || p.Batches > c.Batch || !finite(p.Loss) || !finite(p.KL) || !finite(p.Seconds) {
		return fmt.Errorf("running sums of the epoch in progress: %+v", p)
	}
	if len(c.AdamM) != len(c.Params) || len(c.AdamV) != len(c.Params) || len(c.EMA) != len(c.Params) {
		return fmt.Errorf("%d parameter tensors with %d, %d Adam moments and %d averages", len(c.Params), len(c.AdamM), len(c.AdamV), len(c.EMA))
	}
	for i, v := range c.Params {
		for _, t := range [][]float32{v, c.AdamM[i], c.AdamV[i], c.EMA[i]} {
			if len(t) != len(v) {
				return fmt.Errorf("parameter tensor %d: %d values, its state %d", i, len(v), len(t))
			}
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

// resumable checks that c continues a run of cfg whose epochs have
// batches batches; only the number of epochs may differ.
func (c *Checkpoint) resumable(cfg Config, batches int) error {
	a, b := cfg, c.Config
	a.Epochs, b.Epochs = 0, 0
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		return fmt.Errorf("the checkpoint was trained with other settings: %s, now %s", jb, ja)
	}
	if c.Batch > batches {
		return fmt.Errorf("%w: position batch %d, but an epoch has %d", ErrBadCheckpoint, c.Batch, batches)
	}
	if c.Epoch >= cfg.Epochs && c.Batch > 0 {
		return fmt.Errorf("stopped inside epoch %d; resume with --epochs ≥ %d", c.Epoch+1, c.Epoch+1)
	}
	return nil
}

// capture copies the trainer's state into c.
func (c *Checkpoint) capture(tr *trainer) {
	c.Params, c.AdamM, c.AdamV, c.EMA = nil, nil, nil, nil
	for i, p := range tr.net.Params() {
		c.Params = append(c.Params, p.Value)
		c.AdamM = append(c.AdamM, tr.adam.M[i])
		c.AdamV = append(c.AdamV, tr.adam.V[i])
		c.EMA = append(c.EMA, tr.shadow[i])
	}
	c.AdamStep = tr.adam.Steps
	c.Frozen = tr.net.Frozen()
}

// restore loads c into the trainer, checking every shape.
func (c *Checkpoint) restore(tr *trainer) error {
	params, frozen := tr.net.Params(), tr.net.Frozen()
	if len(c.Params) != len(params) || len(c.Frozen) != len(frozen) {
		return fmt.Errorf("%w: %d parameter tensors, the %s encoder has %d", ErrBadCheckpoint, len(c.Params), c.Config.Encoder, len(params))
	}
	for i, p := range params {
		if len(c.Params[i]) != len(p.Value) {
			return fmt.Errorf("%w: %s has %d values, the net needs %d", ErrBadCheckpoint, p.Name, len(c.Params[i]), len(p.Value))
		}
	}
	for i, f := range frozen {
		if len(c.Frozen[i]) != len(f) {
			return fmt.Errorf("%w: frozen tensor %d has %d values, want %d", ErrBadCheckpoint, i, len(c.Frozen[i]), len(f))
		}
	}
	for i, p := range params {
		copy(p.Value, c.Params[i])
		copy(tr.adam.M[i], c.AdamM[i])
		copy(tr.adam.V[i], c.AdamV[i])
		copy(tr.shadow[i], c.EMA[i])
	}
	for i, f := range frozen {
		copy(f, c.Frozen[i])
		copy(tr.ema.Frozen()[i], c.Frozen[i])
	}
	tr.adam.Steps = c.AdamStep
	return nil
}
