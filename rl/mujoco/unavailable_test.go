//go:build !mujoco

package mujoco

import (
	"errors"
	"strings"
	"testing"
)

// TestUnavailable: without the mujoco tag New says how to get MuJoCo.
func TestUnavailable(t *testing.T) {
	_, err := New(InvertedPendulum)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "apt-get install libmujoco-dev") || !strings.Contains(err.Error(), "-tags mujoco") {
		t.Errorf("New without MuJoCo: %v", err)
	}
}
