package nn

import "testing"

// TestRectSurrogate pins the paper's spike function and surrogate:
// strict threshold, rectangular window open at both ends.
func TestRectSurrogate(t *testing.T) {
	s := Rect[float32](0.5)
	for _, tc := range []struct{ x, spike, grad float32 }{
		{0, 0, 1}, {1e-7, 1, 1}, {-1e-7, 0, 1}, {0.49, 1, 1}, {0.5, 1, 0}, {-0.5, 0, 0}, {-0.49, 0, 1}, {3, 1, 0},
	} {
		if s.Spike(tc.x) != tc.spike || s.Grad(tc.x) != tc.grad {
			t.Errorf("x=%v: spike %v grad %v, want %v %v", tc.x, s.Spike(tc.x), s.Grad(tc.x), tc.spike, tc.grad)
		}
	}
}
