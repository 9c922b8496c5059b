package dataset

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
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
