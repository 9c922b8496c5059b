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
// version. Version 2 is a gob head followed by the tensors' raw bytes
// (sealed.WriteRaw); version 1, all gob, is still read.
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
	Params   [][]float32
	AdamM    [][]float32
	AdamV    [][]float32
	AdamStep int
	EMA      [][]float32 // the moving average of Params
	Frozen   [][]float32 // HH rate coefficients, if any
}

// checkpointHead is what version 2 gob-encodes: the checkpoint without
// its tensors, and the lengths of the tensors that follow it raw, in the
// order of tensors.
type checkpointHead struct {
	Config       Config
	Epoch, Batch int
	Records      []Record
	Partial      Partial
	AdamStep     int
	Lengths      [5][]int
}

// tensors lists c's tensor lists in the order of a file.
func (c *Checkpoint) tensors() [5]*[][]float32 {
	return [5]*[][]float32{&c.Params, &c.AdamM, &c.AdamV, &c.EMA, &c.Frozen}
}

// Partial are the running sums of an unfinished epoch.
type Partial struct {
	Loss, KL, Seconds float64
	Batches           int
}

// WriteCheckpoint writes c to path atomically with its checksum.
func WriteCheckpoint(path string, c *Checkpoint) error {
	head := checkpointHead{Config: c.Config, Epoch: c.Epoch, Batch: c.Batch, Records: c.Records, Partial: c.Partial, AdamStep: c.AdamStep}
	var raw [][]float32
	for i, list := range c.tensors() {
		for _, v := range *list {
			head.Lengths[i] = append(head.Lengths[i], len(v))
			raw = append(raw, v)
		}
	}
	return sealed.WriteRaw(path, checkpointMagic, head, raw)
}

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
		return sealed.Load(b, checkpointMagicV1, ErrBadCheckpoint, (*Checkpoint).validate)
	}
	payload, err := sealed.Payload(b, checkpointMagic)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	return decodePayload(payload)
}

// decodePayload decodes and validates a version-2 payload; the fuzz
// target calls it directly.
func decodePayload(payload []byte) (*Checkpoint, error) {
	var head checkpointHead
	raw, err := sealed.DecodeRaw(payload, &head)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	var lengths []int
	for _, l := range head.Lengths {
		lengths = append(lengths, l...)
	}
	values, err := sealed.Floats(raw, lengths)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	c := &Checkpoint{Config: head.Config, Epoch: head.Epoch, Batch: head.Batch, Records: head.Records, Partial: head.Partial, AdamStep: head.AdamStep}
	for i, list := range c.tensors() {
		*list, values = values[:len(head.Lengths[i])], values[len(head.Lengths[i]):]
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	return c, nil
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
