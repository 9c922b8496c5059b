package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// cacheMagic opens every cache file; the last byte is the format version
// (version 1 files, without the sources' fingerprint, read as corrupt and
// are regenerated).
const cacheMagic = "HHNETMM\x02"

// headerSize is the fixed size of a cache file header: magic 8 | seed 8 |
// n 4 | rows 4 | cols 4 | variant 32 | split 8 | sha256 32 | sources 16.
const headerSize = 8 + 8 + 4 + 4 + 4 + 32 + 8 + 32 + 16

// ErrCorrupt marks a cache file that cannot be trusted; Store.Load
// regenerates such files.
var ErrCorrupt = errors.New("corrupt dataset cache")

// Checksum is the SHA-256 of the image bytes followed by the label bytes:
// identical data gives identical sums, whatever file holds it.
func (m *Multi) Checksum() [32]byte {
	h := sha256.New()
	h.Write(m.Images)
	h.Write(m.Labels)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// WriteTo writes m in the cache format: header, images, labels.
func (m *Multi) WriteTo(w io.Writer) (int64, error) {
	var h [headerSize]byte
	copy(h[0:8], cacheMagic)
	binary.LittleEndian.PutUint64(h[8:16], m.Seed)
	binary.LittleEndian.PutUint32(h[16:20], uint32(m.N))
	binary.LittleEndian.PutUint32(h[20:24], Size)
	binary.LittleEndian.PutUint32(h[24:28], Size)
	copy(h[28:60], m.Variant)
	copy(h[60:68], m.Split)
	sum := m.Checksum()
	copy(h[68:100], sum[:])
	copy(h[100:116], m.Sources[:])
	var total int64
	for _, b := range [][]byte{h[:], m.Images, m.Labels} {
		n, err := w.Write(b)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// ParseMulti decodes a cache file's bytes, checking the header, the length
// and the checksum. Errors wrap ErrCorrupt. The result shares b.
func ParseMulti(b []byte) (*Multi, error) {
	if len(b) < headerSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrCorrupt, len(b), headerSize)
	}
	if string(b[0:8]) != cacheMagic {
		return nil, fmt.Errorf("%w: bad magic number (file from another version?)", ErrCorrupt)
	}
	n := int(binary.LittleEndian.Uint32(b[16:20]))
	rows, cols := binary.LittleEndian.Uint32(b[20:24]), binary.LittleEndian.Uint32(b[24:28])
	if rows != Size || cols != Size {
		return nil, fmt.Errorf("%w: images %d×%d, want %d×%d", ErrCorrupt, rows, cols, Size, Size)
	}
	if want := headerSize + n*(Pixels+2); len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes, the header's %d images need %d", ErrCorrupt, len(b), n, want)
	}
	m := &Multi{
		Seed:    binary.LittleEndian.Uint64(b[8:16]),
		N:       n,
		Variant: string(bytes.TrimRight(b[28:60], "\x00")),
		Split:   Split(bytes.TrimRight(b[60:68], "\x00")),
		Images:  b[headerSize : headerSize+n*Pixels],
		Sources: [16]byte(b[100:116]),
		Labels:  b[headerSize+n*Pixels:],
	}
	for i, c := range m.Labels {
		if c > 9 {
			return nil, fmt.Errorf("%w: label %d of image %d is not a class 0–9", ErrCorrupt, c, i/2)
		}
	}
	if sum := m.Checksum(); !bytes.Equal(sum[:], b[68:100]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return m, nil
}

// Store keeps generated datasets in Dir (by default CacheDir()/multi) and
// reads the sources through Locator when it must generate them.
type Store struct {
	Dir     string
	Locator *Locator
	Workers int // generation workers; ≤ 0 means GOMAXPROCS

	mu      sync.Mutex
	sources map[Source]loadedSource // kept for the next variant
}

// loadedSource is a source's two splits and the print of the files read.
type loadedSource struct {
	splits [2]*Images // train, test
	print  [16]byte
}

// NewStore returns a store in the user cache directory that finds sources
// with NewLocator(dataDir).
func NewStore(dataDir string) (*Store, error) {
	dir, err := CacheDir()
	if err != nil {
		return nil, err
	}
	return &Store{Dir: filepath.Join(dir, "multi"), Locator: NewLocator(dataDir)}, nil
}

// Path is the cache file of one variant, split and seed.
func (s *Store) Path(variant string, split Split, seed uint64) string {
	return filepath.Join(s.Dir, fmt.Sprintf("%s-%s-seed%d.bin", variant, split, seed))
}

// Cached reads a cached dataset. It returns an error wrapping
// os.ErrNotExist when the file is missing and ErrCorrupt when it cannot be
// trusted (wrong length, checksum, or a file of another variant or seed).
func (s *Store) Cached(variant string, split Split, seed uint64) (*Multi, error) {
	path := s.Path(variant, split, seed)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseMulti(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Variant != variant || m.Split != split || m.Seed != seed {
		return nil, fmt.Errorf("%s: %w: holds %s/%s seed %d", path, ErrCorrupt, m.Variant, m.Split, m.Seed)
	}
	return m, nil
}

// Status says what Load did.
type Status int

const (
	FromCache   Status = iota // the cache file was valid
	Generated                 // there was no cache file
	Regenerated               // the cache file was corrupt
	Refreshed                 // the cache file was made from other source files
)

// Load returns a variant's split, generating and caching it when the cache
// file is missing or corrupt, or was made from other source files than
// the ones the Locator finds now (when it finds them without a download;
// a cache without its sources is trusted).
func (s *Store) Load(ctx context.Context, v Variant, split Split, seed uint64) (*Multi, Status, error) {
	m, err := s.Cached(v.Name, split, seed)
	if err == nil {
		if fp, ok := s.fingerprint(v); !ok || fp == m.Sources {
			return m, FromCache, nil
		}
	}
	status := Generated
	switch {
	case err == nil:
		status = Refreshed
	case errors.Is(err, ErrCorrupt):
		status = Regenerated
	case !errors.Is(err, os.ErrNotExist):
		return nil, 0, err
	}
	m, err = s.Generate(ctx, v, split, seed)
	if err != nil {
		return nil, 0, err
	}
	return m, status, nil
}

// Generate builds a variant's split from the sources and writes it to the
// cache atomically (a temporary file renamed into place), so an
// interrupted run never leaves a file that a later run trusts.
func (s *Store) Generate(ctx context.Context, v Variant, split Split, seed uint64) (*Multi, error) {
	a, err := s.source(ctx, v.A, split)
	if err != nil {
		return nil, err
	}
	b, err := s.source(ctx, v.B, split)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := Generate(v, split, seed, a, b, s.Workers)
	if err != nil {
		return nil, err
	}
	m.Sources, _ = s.fingerprint(v)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, err
	}
	if err := writeAtomic(s.Path(v.Name, split, seed), m); err != nil {
		return nil, err
	}
	return m, nil
}

// source loads (once) both splits of src; the two files of a split are
// decompressed in parallel with the other split's.
func (s *Store) source(ctx context.Context, src Source, split Split) (*Images, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Locator == nil {
		return nil, fmt.Errorf("dataset: Store has no Locator to find %s", src)
	}
	loc, err := s.Locator.Find(ctx, src)
	if err != nil {
		return nil, err
	}
	// Files rewritten since they were read are read again.
	sum, _ := sourcePrint(loc)
	if got, ok := s.sources[src]; ok && got.print == sum {
		return got.splits[splitIndex(split)], nil
	}
	var both [2]*Images
	var errs [2]error
	var wg sync.WaitGroup
	for i, sp := range []Split{Train, Test} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			both[i], errs[i] = loc.Load(sp)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	if s.sources == nil {
		s.sources = map[Source]loadedSource{}
	}
	s.sources[src] = loadedSource{both, sum}
	return both[splitIndex(split)], nil
}

// fingerprint identifies the source files of v that the Locator finds
// without downloading (see sourcePrint); ok is false when a source is not
// found locally.
func (s *Store) fingerprint(v Variant) (fp [16]byte, ok bool) {
	if s.Locator == nil {
		return fp, false
	}
	h := sha256.New()
	for _, src := range []Source{v.A, v.B} {
		loc, found := s.Locator.FindLocal(src)
		if !found {
			return fp, false
		}
		p, ok := sourcePrint(loc)
		if !ok {
			return fp, false
		}
		h.Write(p[:])
	}
	copy(fp[:], h.Sum(nil))
	return fp, true
}

// sourcePrint identifies the four files of a source location: the first
// 16 bytes of a SHA-256 of each file's absolute path, size and
// modification time.
func sourcePrint(loc Location) (fp [16]byte, ok bool) {
	h := sha256.New()
	for _, split := range []Split{Train, Test} {
		images, labels := loc.Files(split)
		for _, f := range []string{images, labels} {
			abs, err := filepath.Abs(f)
			info, serr := os.Stat(f)
			if err != nil || serr != nil {
				return fp, false
			}
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00", abs, info.Size(), info.ModTime().UnixNano())
		}
	}
	copy(fp[:], h.Sum(nil))
	return fp, true
}

func splitIndex(s Split) int {
	if s == Test {
		return 1
	}
	return 0
}

// writeAtomic writes m through a temporary file renamed into place. It does
// not fsync: a file torn by a crash fails its checksum and is regenerated,
// so the 0.5 GB of a full prepare need not wait for the disk.
func writeAtomic(path string, m *Multi) error {
	return atomicfile.WriteNoSync(path, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	})
}
