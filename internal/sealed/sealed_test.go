package sealed

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestRoundTripAndDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.bin")
	type doc struct {
		A int
		B []float32
	}
	if err := Write(path, "TESTSEA\x01", doc{7, []float32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	payload, err := Payload(b, "TESTSEA\x01")
	if err != nil {
		t.Fatal(err)
	}
	var got doc
	if err := Decode(payload, &got); err != nil || got.A != 7 || len(got.B) != 2 || got.B[1] != 2 {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	flipped := append([]byte(nil), b...)
	flipped[len(flipped)-1] ^= 1
	for name, bad := range map[string][]byte{"truncated": b[:len(b)-1], "flipped": flipped, "other magic": b, "empty": nil} {
		magic := "TESTSEA\x01"
		if name == "other magic" {
			magic = "OTHERSE\x01"
		}
		if _, err := Payload(bad, magic); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := Write(path, "short", 1); err == nil {
		t.Error("a magic of 5 bytes accepted")
	}
	if err := Decode([]byte("not gob"), &got); !errors.Is(err, ErrDamaged) {
		t.Errorf("Decode of garbage: %v", err)
	}
}

// TestRaw round-trips a value and raw tensors bit for bit (negative zero
// and a NaN's payload included) and refuses lengths that do not fit.
func TestRaw(t *testing.T) {
	nan := math.Float32frombits(0x7fc00123)
	raw := [][]float32{{1, float32(math.Copysign(0, -1)), nan}, {}, {2.5}}
	// More values than WriteRaw's chunk holds, so that chunks are seen.
	big := make([]float32, 10_000)
	for i := range big {
		big[i] = float32(i) / 7
	}
	raw = append(raw, big)
	type head struct {
		A       int
		Lengths []int
	}
	lengths := []int{3, 0, 1, len(big)}
	path := filepath.Join(t.TempDir(), "r.bin")
	if err := WriteRaw(path, "TESTRAW\x01", head{7, lengths}, raw); err != nil {
		t.Fatal(err)
	}
	file, _ := os.ReadFile(path)
	payload, err := Payload(file, "TESTRAW\x01")
	if err != nil {
		t.Fatal(err)
	}
	var h head
	rest, err := DecodeRaw(payload, &h)
	if err != nil || h.A != 7 || !slices.Equal(h.Lengths, lengths) {
		t.Fatalf("decoded %+v, %v", h, err)
	}
	if len(rest) != 4*(4+len(big)) {
		t.Fatalf("%d raw bytes, want %d", len(rest), 4*(4+len(big)))
	}
	got, err := Floats(rest, h.Lengths)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		if len(got[i]) != len(raw[i]) {
			t.Fatalf("tensor %d: %d values back, want %d", i, len(got[i]), len(raw[i]))
		}
		for j := range raw[i] {
			if math.Float32bits(got[i][j]) != math.Float32bits(raw[i][j]) {
				t.Errorf("tensor %d value %d: %x back, want %x", i, j, math.Float32bits(got[i][j]), math.Float32bits(raw[i][j]))
			}
		}
	}
	for name, lengths := range map[string][]int{
		"too few":  {3, 0, 1},
		"too many": {3, 0, 1, len(big) + 1},
		"negative": {-1, 5, 1, len(big)},
		"huge":     {1 << 62, 1},
	} {
		if _, err := Floats(rest, lengths); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s lengths %v: %v, want ErrDamaged", name, lengths, err)
		}
	}
	if _, err := DecodeRaw([]byte("not gob"), &h); !errors.Is(err, ErrDamaged) {
		t.Errorf("DecodeRaw of garbage: %v", err)
	}
}

// FuzzFloats: no lengths and bytes panic, and what splits accounts for
// every byte.
func FuzzFloats(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 64}, 1, 1)
	f.Add([]byte{}, 0, 0)
	f.Fuzz(func(t *testing.T, b []byte, n1, n2 int) {
		got, err := Floats(b, []int{n1, n2})
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("error %v does not wrap ErrDamaged", err)
			}
			return
		}
		if 4*(len(got[0])+len(got[1])) != len(b) {
			t.Fatalf("%d and %d values from %d bytes", len(got[0]), len(got[1]), len(b))
		}
	})
}
