package dataset

import (
	"math"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/internal/testenv"
)

func fakeMulti(t testing.TB, n int) *Multi {
	v, _ := ParseVariant("multi-mnist")
	m, err := Generate(v, Train, 0, fakeSource(n/2, 1, 1), fakeSource(n/2, 150, 2), 2)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// epochLabels returns the labels an epoch serves, in order.
func epochLabels(b *Batches, epoch int) []int32 {
	b.Epoch(epoch)
	var all []int32
	for {
		_, labels, _, ok := b.Next()
		if !ok {
			return all
		}
		all = append(all, labels...)
	}
}

func TestBatches(t *testing.T) {
	m := fakeMulti(t, 250)
	b, err := NewBatches(m, 64, 9, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 4 || b.N() != 250 {
		t.Fatalf("Len %d N %d", b.Len(), b.N())
	}
	var sizes []int
	seen := make([]int, 10)
	for {
		x, labels, n, ok := b.Next()
		if !ok {
			break
		}
		sizes = append(sizes, n)
		if len(x) != n*Pixels || len(labels) != 2*n {
			t.Fatalf("batch of %d: %d pixels, %d labels", n, len(x), len(labels))
		}
		for _, v := range x {
			if v < 0 || v > 1 {
				t.Fatalf("pixel %v outside [0,1]", v)
			}
		}
		for k := 0; k < n; k++ {
			seen[labels[2*k]]++
		}
	}
	if !slices.Equal(sizes, []int{64, 64, 64, 58}) {
		t.Errorf("batch sizes %v", sizes)
	}
	var want [10]int
	for j := 0; j < m.N; j++ {
		want[m.Labels[2*j]]++
	}
	if !slices.Equal(seen, want[:]) {
		t.Errorf("an epoch served task-1 labels %v, the data has %v", seen, want)
	}

	e0, e1 := epochLabels(b, 0), epochLabels(b, 1)
	if slices.Equal(e0, e1) {
		t.Error("epochs 0 and 1 have the same order")
	}
	b2, _ := NewBatches(m, 64, 9, true, nil)
	if !slices.Equal(epochLabels(b2, 1), e1) {
		t.Error("same seed and epoch, different order")
	}
	// Resuming after two batches serves what the uninterrupted epoch served.
	b2.Epoch(1)
	b2.Skip(2)
	_, l, _, _ := b2.Next()
	if !slices.Equal(l, e1[2*128:3*128]) {
		t.Error("Skip(2) does not land on the third batch")
	}
}

func TestBatchesUnshuffledAndNoise(t *testing.T) {
	m := fakeMulti(t, 10)
	noise := NoisePattern(51, 3)
	if len(noise) != Pixels {
		t.Fatalf("noise has %d values", len(noise))
	}
	var sum, sq float64
	for _, v := range noise {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	if sd := math.Sqrt(sq / Pixels); math.Abs(sd-0.2) > 0.02 {
		t.Errorf("noise sd %.4f, want ≈ 51/255 = 0.2", sd)
	}
	if NoisePattern(0, 3) != nil {
		t.Error("amplitude 0 should give no pattern")
	}
	if p := NoisePattern(51, 3); !slices.Equal(p, noise) {
		t.Error("same seed, different noise")
	}
	b, _ := NewBatches(m, 4, 0, false, noise)
	x, labels, _, _ := b.Next()
	if labels[0] != int32(m.Labels[0]) || labels[3] != int32(m.Labels[3]) {
		t.Errorf("unshuffled labels %v, data %v", labels[:4], m.Labels[:4])
	}
	for p := 0; p < Pixels; p++ {
		want := float32(m.Images[Pixels+p])/255 + noise[p]
		if x[Pixels+p] != want {
			t.Fatalf("pixel %d of image 1: %v, want %v", p, x[Pixels+p], want)
		}
	}
	if _, err := NewBatches(m, 0, 0, false, nil); err == nil {
		t.Error("batch size 0 accepted")
	}
	if _, err := NewBatches(m, 4, 0, false, noise[:5]); err == nil {
		t.Error("short noise pattern accepted")
	}
}

func TestBatchesNextAllocatesNothing(t *testing.T) {
	if testenv.Race {
		t.Skip("the race detector allocates; allocation counts are checked without it")
	}
	b, _ := NewBatches(fakeMulti(t, 1000), 128, 1, true, NoisePattern(25, 1))
	allocs := testing.AllocsPerRun(50, func() {
		if _, _, _, ok := b.Next(); !ok {
			b.Epoch(0)
		}
	})
	if allocs != 0 {
		t.Errorf("Next allocates %v times", allocs)
	}
}

func BenchmarkGenerate(b *testing.B) {
	v, _ := ParseVariant("multi-mnist")
	a, src := fakeSource(10000, 1, 1), fakeSource(10000, 150, 2)
	b.SetBytes(20000 * Pixels)
	for b.Loop() {
		Generate(v, Train, 0, a, src, 0)
	}
}

func BenchmarkBatchesNext(b *testing.B) {
	bt, _ := NewBatches(fakeMulti(b, 4000), 128, 1, true, nil)
	for b.Loop() {
		if _, _, _, ok := bt.Next(); !ok {
			bt.Epoch(0)
		}
	}
}
