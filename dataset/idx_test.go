package dataset

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func idxBytes(t testing.TB, x *IDX) []byte {
	var b bytes.Buffer
	if err := WriteIDX(&b, x); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func TestIDXRoundTrip(t *testing.T) {
	x := &IDX{Dims: []int{3, 2, 4}, Data: []byte("abcdefghijklmnopqrstuvwx")}
	raw := idxBytes(t, x)
	for name, b := range map[string][]byte{"plain": raw, "gzip": gz(raw)} {
		got, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slicesEqual(got.Dims, x.Dims) || !bytes.Equal(got.Data, x.Data) {
			t.Errorf("%s: got %v %q, want %v %q", name, got.Dims, got.Data, x.Dims, x.Data)
		}
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestIDXCorrupt: every damaged file gives an ErrIDX whose message names the fault.
func TestIDXCorrupt(t *testing.T) {
	good := idxBytes(t, &IDX{Dims: []int{2, 3}, Data: []byte{1, 2, 3, 4, 5, 6}})
	badGzip := gz(good)
	badGzip[len(badGzip)-6] ^= 0xff // CRC
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "truncated header"},
		{"short magic", good[:3], "truncated header"},
		{"bad magic", append([]byte{1, 0}, good[2:]...), "bad magic"},
		{"float type", append([]byte{0, 0, 0x0d}, good[3:]...), "element type 0x0d"},
		{"no dims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"five dims", []byte{0, 0, 8, 5}, "5 dimensions"},
		{"short dims", good[:6], "dimension 0"},
		{"zero dim", []byte{0, 0, 8, 1, 0, 0, 0, 0}, "dimension 0 is 0"},
		{"huge", []byte{0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "more than"},
		{"truncated data", good[:len(good)-2], "truncated: shape [2 3] needs 6 data bytes, the file has 4"},
		{"trailing data", append(append([]byte{}, good...), 9), "data continues"},
		{"truncated gzip", gz(good)[:20], "truncated"},
		{"gzip checksum", badGzip, "checksum"},
	} {
		_, err := ReadIDX(bytes.NewReader(tc.b))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !errors.Is(err, ErrIDX) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want ErrIDX containing %q", tc.name, err, tc.want)
		}
	}
}

func TestReadImagesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, x *IDX) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, idxBytes(t, x), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	im := write("im", &IDX{Dims: []int{2, 1, 2}, Data: []byte{1, 2, 3, 4}})
	flat := write("flat", &IDX{Dims: []int{4}, Data: []byte{1, 2, 3, 4}})
	lb := write("lb", &IDX{Dims: []int{2}, Data: []byte{3, 7}})
	lb3 := write("lb3", &IDX{Dims: []int{3}, Data: []byte{3, 7, 1}})
	lbBad := write("lbbad", &IDX{Dims: []int{2}, Data: []byte{3, 12}})
	if s, err := ReadImages(im, lb); err != nil || s.N != 2 || s.Rows != 1 || s.Cols != 2 || s.Image(1)[1] != 4 {
		t.Fatalf("good pair: %+v %v", s, err)
	}
	for _, tc := range []struct{ im, lb, want string }{
		{flat, lb, "want [N rows cols]"},
		{im, im, "want [N]"},
		{im, lb3, "has 3 labels but"},
		{im, lbBad, "label 12 of item 1"},
		{filepath.Join(dir, "missing"), lb, "no such file"},
	} {
		_, err := ReadImages(tc.im, tc.lb)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadImages(%s, %s) = %v, want error containing %q", filepath.Base(tc.im), filepath.Base(tc.lb), err, tc.want)
		}
	}
}

// FuzzReadIDX: no input panics, and whatever parses writes back to the same bytes.
func FuzzReadIDX(f *testing.F) {
	good := idxBytes(f, &IDX{Dims: []int{2, 3}, Data: []byte{1, 2, 3, 4, 5, 6}})
	f.Add(good)
	f.Add(gz(good))
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 7})
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrIDX) {
				t.Fatalf("error %v does not wrap ErrIDX", err)
			}
			return
		}
		if len(b) > 1 && b[0] == 0x1f && b[1] == 0x8b {
			return
		}
		if back := idxBytes(t, x); !bytes.Equal(back, b) {
			t.Fatalf("round trip changed the bytes")
		}
	})
}

// TestIDXHeaderCannotForceAllocation: a header that claims a gigabyte in a
// 16-byte file is refused without allocating it, whether the reader tells
// its length or not.
func TestIDXHeaderCannotForceAllocation(t *testing.T) {
	b := []byte{0, 0, 8, 3, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x3f, 0} // 256×256×16128: just under the 1 GiB limit
	for _, tc := range []struct {
		name string
		r    func() io.Reader
	}{
		{"bytes.Reader", func() io.Reader { return bytes.NewReader(b) }},
		{"plain reader", func() io.Reader { return io.MultiReader(bytes.NewReader(b)) }},
		{"gzip", func() io.Reader { return bytes.NewReader(gz(b)) }},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(tc.r())
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrIDX) {
			t.Errorf("%s: %v, want ErrIDX", tc.name, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
			t.Errorf("%s: %d bytes allocated for a 16-byte file", tc.name, grew)
		}
	}
	path := filepath.Join(t.TempDir(), "big-idx3-ubyte")
	os.WriteFile(path, b, 0o644)
	if _, err := ReadIDXFile(path); err == nil || !strings.Contains(err.Error(), "the file has 0") {
		t.Errorf("ReadIDXFile: %v", err)
	}
}

// FuzzReadImages: any pair of files gives an error or images whose sizes
// agree with their labels, every label a class.
func FuzzReadImages(f *testing.F) {
	im := idxBytes(f, &IDX{Dims: []int{2, 2, 2}, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}})
	lb := idxBytes(f, &IDX{Dims: []int{2}, Data: []byte{3, 9}})
	f.Add(im, lb)
	f.Add(gz(im), gz(lb))
	f.Add(lb, im)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, imBytes, lbBytes []byte) {
		imPath, lbPath := filepath.Join(dir, "im"), filepath.Join(dir, "lb")
		os.WriteFile(imPath, imBytes, 0o644)
		os.WriteFile(lbPath, lbBytes, 0o644)
		s, err := ReadImages(imPath, lbPath)
		if err != nil {
			return
		}
		if s.N < 1 || len(s.Pixels) != s.N*s.Rows*s.Cols || len(s.Labels) != s.N {
			t.Fatalf("%d images of %d×%d with %d bytes and %d labels", s.N, s.Rows, s.Cols, len(s.Pixels), len(s.Labels))
		}
		for _, c := range s.Labels {
			if c > 9 {
				t.Fatalf("label %d accepted", c)
			}
		}
	})
}
