package sealed

import (
	"errors"
	"os"
	"path/filepath"
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
