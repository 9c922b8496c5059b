package dataset

import (
	"fmt"
	"math/rand/v2"
)

// noiseStream names the random stream of the noise pattern.
const noiseStream = 0x6e6f697365 // "noise"

// NoisePattern returns the fixed noise image of docs/model.md §4: amplitude/255
// times a standard normal draw per pixel (amplitude on the 0–255 scale),
// drawn once from seed. Amplitude 0 gives nil (no noise).
func NoisePattern(amplitude float64, seed uint64) []float32 {
	if amplitude == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, noiseStream))
	p := make([]float32, Pixels)
	for i := range p {
		p[i] = float32(amplitude / 255 * rng.NormFloat64())
	}
	return p
}

// Batches serves mini-batches of a dataset as float32 images in [0, 1]
// (plus the noise pattern, if any) laid out [B,1,36,36], and labels [B,2].
// The order of an epoch is a function of the seed and the epoch number
// alone, so a resumed run sees the batches it would have seen. Next
// allocates nothing; the slices it returns are reused by the next call.
type Batches struct {
	data    *Multi
	size    int
	seed    uint64
	shuffle bool
	noise   []float32
	order   []int32
	pos     int
	x       []float32
	labels  []int32
	scale   [256]float32
}

// NewBatches returns batches of size images from data. With shuffle, each
// epoch visits the images in a random order drawn from (seed, epoch);
// without, in storage order. noise, if not nil, is added to every image
// (length Pixels; see NoisePattern).
func NewBatches(data *Multi, size int, seed uint64, shuffle bool, noise []float32) (*Batches, error) {
	if size < 1 {
		return nil, fmt.Errorf("batch size %d, want ≥ 1", size)
	}
	if noise != nil && len(noise) != Pixels {
		return nil, fmt.Errorf("noise pattern has %d values, want %d", len(noise), Pixels)
	}
	b := &Batches{data: data, size: size, seed: seed, shuffle: shuffle, noise: noise,
		order: make([]int32, data.N), x: make([]float32, size*Pixels), labels: make([]int32, 2*size)}
	for i := range b.scale {
		b.scale[i] = float32(i) / 255
	}
	b.Epoch(0)
	return b, nil
}

// Len is the number of batches per epoch (the last one may be short).
func (b *Batches) Len() int { return (b.data.N + b.size - 1) / b.size }

// N is the number of images.
func (b *Batches) N() int { return b.data.N }

// Epoch rewinds to the start of the given epoch (0-based).
func (b *Batches) Epoch(epoch int) {
	for i := range b.order {
		b.order[i] = int32(i)
	}
	if b.shuffle {
		rng := rand.New(rand.NewPCG(b.seed, uint64(epoch)))
		rng.Shuffle(len(b.order), func(i, j int) { b.order[i], b.order[j] = b.order[j], b.order[i] })
	}
	b.pos = 0
}

// Skip advances past n batches without filling them (for resuming mid-epoch).
func (b *Batches) Skip(n int) { b.pos = min(b.pos+max(n, 0)*b.size, len(b.order)) }

// Next fills and returns the next batch: x holds n·Pixels values, labels
// n·2 classes (task 1, task 2 of each image). ok is false at the end of the
// epoch.
func (b *Batches) Next() (x []float32, labels []int32, n int, ok bool) {
	if b.pos >= len(b.order) {
		return nil, nil, 0, false
	}
	n = min(b.size, len(b.order)-b.pos)
	for k, idx := range b.order[b.pos : b.pos+n] {
		img := b.data.Image(int(idx))
		dst := b.x[k*Pixels : (k+1)*Pixels]
		for p, v := range img {
			dst[p] = b.scale[v]
		}
		if b.noise != nil {
			for p, v := range b.noise {
				dst[p] += v
			}
		}
		b.labels[2*k] = int32(b.data.Labels[2*idx])
		b.labels[2*k+1] = int32(b.data.Labels[2*idx+1])
	}
	b.pos += n
	return b.x[:n*Pixels], b.labels[:2*n], n, true
}
