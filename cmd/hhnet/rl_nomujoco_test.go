//go:build !mujoco

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRLWithoutMuJoCo: a build without MuJoCo exits 1 with one line that
// says how to get it.
func TestRLWithoutMuJoCo(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"rl", "--env", "inverted-pendulum", "--actor", "LIF", "--out", t.TempDir()}, &out, &errb)
	if code != exitError || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), "apt-get install libmujoco-dev") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
