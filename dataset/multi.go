package dataset

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
)

// Size is the side of a composite image in pixels.
const Size = 36

// Pixels is the number of pixels of a composite image.
const Pixels = Size * Size

// maxShift bounds the random placement of each item: offsets are drawn from [0, maxShift].
const maxShift = 4

// Variant is one of the study's two-item datasets: item A (top-left,
// label 1) from source A, item B (bottom-right, label 2) from source B.
type Variant struct {
	Name string
	A, B Source
	// DistinctClasses requires B's class to differ from A's (the variants
	// that draw both items from one dataset).
	DistinctClasses bool
	id              uint64 // names the variant's random streams
}

// Variants returns the three variants in the study's order.
func Variants() []Variant {
	return []Variant{
		{Name: "multi-mnist", A: MNIST, B: MNIST, DistinctClasses: true, id: 1},
		{Name: "multi-fashion", A: Fashion, B: Fashion, DistinctClasses: true, id: 2},
		{Name: "multi-fashion-mnist", A: MNIST, B: Fashion, id: 3},
	}
}

// VariantNames lists the variant names, for flags and messages.
func VariantNames() []string {
	var names []string
	for _, v := range Variants() {
		names = append(names, v.Name)
	}
	return names
}

// ParseVariant returns the variant called name.
func ParseVariant(name string) (Variant, error) {
	for _, v := range Variants() {
		if v.Name == name {
			return v, nil
		}
	}
	return Variant{}, fmt.Errorf("unknown dataset variant %q (want one of %s)", name, strings.Join(VariantNames(), ", "))
}

// Multi is a generated two-item dataset: N images of Size×Size uint8
// pixels and two labels per image (top-left class, bottom-right class).
type Multi struct {
	Variant string
	Split   Split
	Seed    uint64
	N       int
	Images  []byte // N·Pixels
	Labels  []byte // N·2
	// Sources fingerprints the source files the data was generated from
	// (Store sets it; zero when unknown).
	Sources [16]byte
}

// Image returns the pixels of image i (a view).
func (m *Multi) Image(i int) []byte { return m.Images[i*Pixels : (i+1)*Pixels] }

func splitID(s Split) uint64 {
	if s == Test {
		return 2
	}
	return 1
}

// Generate composes two images for every image of a (docs/model.md §5): A goes
// top-left shifted by (dy, dx) ∈ [0,4]², an image B drawn from b goes into
// the box [8−dy′ : 36−dy′, 8−dx′ : 36−dx′], and the two are combined by
// pixel-wise maximum. Composite 2i+k (k = 0, 1) uses a[i] and draws from
// its own random stream (seed, variant, split, 2i+k), so the result is the
// same for any number of workers. workers ≤ 0 means GOMAXPROCS.
func Generate(v Variant, split Split, seed uint64, a, b *Images, workers int) (*Multi, error) {
	for _, s := range []*Images{a, b} {
		if s.Rows != 28 || s.Cols != 28 {
			return nil, fmt.Errorf("source images are %d×%d, want 28×28", s.Rows, s.Cols)
		}
	}
	if v.DistinctClasses {
		var seen [10]bool
		n := 0
		for _, c := range b.Labels {
			if !seen[c] {
				seen[c] = true
				n++
			}
		}
		if n < 2 {
			return nil, fmt.Errorf("%s needs items of at least two classes", v.Name)
		}
	}
	n := 2 * a.N
	m := &Multi{Variant: v.Name, Split: split, Seed: seed, N: n,
		Images: make([]byte, n*Pixels), Labels: make([]byte, 2*n)}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 2048
	var next sync.Mutex
	start := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var pcg rand.PCG
			rng := rand.New(&pcg)
			for {
				next.Lock()
				lo := start
				start += chunk
				next.Unlock()
				if lo >= n {
					return
				}
				for j := lo; j < min(lo+chunk, n); j++ {
					pcg.Seed(seed, v.id<<56|splitID(split)<<48|uint64(j))
					compose(m, j, v, a, b, rng)
				}
			}
		}()
	}
	wg.Wait()
	return m, nil
}

// compose writes composite j of m. Its pixels are zero on entry.
func compose(m *Multi, j int, v Variant, a, b *Images, rng *rand.Rand) {
	ia := j / 2
	ca := a.Labels[ia]
	ib := rng.IntN(b.N)
	for v.DistinctClasses && b.Labels[ib] == ca {
		ib = rng.IntN(b.N)
	}
	dy, dx := rng.IntN(maxShift+1), rng.IntN(maxShift+1)
	dyB, dxB := rng.IntN(maxShift+1), rng.IntN(maxShift+1)
	out := m.Image(j)
	src := a.Image(ia)
	for y := 0; y < 28; y++ {
		copy(out[(dy+y)*Size+dx:(dy+y)*Size+dx+28], src[y*28:(y+1)*28])
	}
	src = b.Image(ib)
	oy, ox := Size-28-dyB, Size-28-dxB
	for y := 0; y < 28; y++ {
		row := out[(oy+y)*Size+ox : (oy+y)*Size+ox+28]
		for x, p := range src[y*28 : (y+1)*28] {
			row[x] = max(row[x], p)
		}
	}
	m.Labels[2*j] = ca
	m.Labels[2*j+1] = b.Labels[ib]
}

// Head returns the first n samples of m as a dataset of their own (views
// of m's slices).
func (m *Multi) Head(n int) (*Multi, error) {
	if n < 1 || n > m.N {
		return nil, fmt.Errorf("a subset of %d samples of a %s set of %d", n, m.Split, m.N)
	}
	h := *m
	h.N, h.Images, h.Labels = n, m.Images[:n*Pixels], m.Labels[:2*n]
	return &h, nil
}
