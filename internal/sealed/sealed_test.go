package sealed

import (
	"bytes"
	"encoding/binary"
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

// TestTensors round-trips tensors through gob bit for bit (negative zero
// and a NaN's payload included) and refuses damaged bytes.
func TestTensors(t *testing.T) {
	nan := math.Float32frombits(0x7fc00123)
	in := Tensors{{1, float32(math.Copysign(0, -1)), nan}, {}, {2.5}}
	b, err := in.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if want := 8 + 3*8 + 4*4; len(b) != want {
		t.Errorf("%d bytes, want %d", len(b), want)
	}
	path := filepath.Join(t.TempDir(), "t.bin")
	type doc struct{ T Tensors }
	if err := Write(path, "TESTTEN\x01", doc{in}); err != nil {
		t.Fatal(err)
	}
	file, _ := os.ReadFile(path)
	got, err := Load(file, "TESTTEN\x01", ErrDamaged, func(*doc) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got.T) != len(in) {
		t.Fatalf("%d tensors back, want %d", len(got.T), len(in))
	}
	for i := range in {
		if len(got.T[i]) != len(in[i]) {
			t.Fatalf("tensor %d: %d values back, want %d", i, len(got.T[i]), len(in[i]))
		}
		for j := range in[i] {
			if math.Float32bits(got.T[i][j]) != math.Float32bits(in[i][j]) {
				t.Errorf("tensor %d value %d: %x back, want %x", i, j, math.Float32bits(got.T[i][j]), math.Float32bits(in[i][j]))
			}
		}
	}
	for name, bad := range map[string][]byte{
		"empty":          nil,
		"truncated":      b[:len(b)-1],
		"trailing":       append(slices.Clone(b), 0),
		"huge count":     binary.LittleEndian.AppendUint64(nil, 1<<62),
		"huge length":    binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1), 9),
		"no length":      binary.LittleEndian.AppendUint64(nil, 1),
		"length too big": append(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1), 2), 0, 0, 0, 0),
	} {
		var tt Tensors
		if err := tt.UnmarshalBinary(bad); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: %v, want ErrDamaged", name, err)
		}
	}
}

// FuzzTensors: no input panics, and what decodes encodes to the same bytes.
func FuzzTensors(f *testing.F) {
	b, _ := Tensors{{1, 2}, {}, {3}}.MarshalBinary()
	f.Add(b)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var tt Tensors
		if err := tt.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("error %v does not wrap ErrDamaged", err)
			}
			return
		}
		back, _ := tt.MarshalBinary()
		if !bytes.Equal(back, b) {
			t.Fatalf("re-encoded %x, read %x", back, b)
		}
	})
}
