package tensor

import (
	"fmt"

	"github.com/hhnet/hhnet/internal/kernels"
)

// Transpose writes dst[j·ldd + i] = src[i·lds + j] for i < rows and
// j < cols: the rows×cols matrix in src (rows lds apart) as cols rows of
// dst (ldd apart). float32 goes through 8×8 blocks (in registers, on
// amd64). It panics if a slice is too short or a stride too small.
func Transpose[F Float](dst []F, ldd int, src []F, lds, rows, cols int) {
	if rows == 0 || cols == 0 {
		return
	}
	if rows < 0 || cols < 0 || ldd < rows || lds < cols || len(dst) < (cols-1)*ldd+rows || len(src) < (rows-1)*lds+cols {
		panic(fmt.Sprintf("tensor: Transpose of %d×%d (stride %d, %d values) into stride %d (%d values)",
			rows, cols, lds, len(src), ldd, len(dst)))
	}
	r8, c8 := 0, 0
	if d32, ok := any(dst).([]float32); ok && rows >= 8 && cols >= 8 {
		s32 := any(src).([]float32)
		r8, c8 = rows&^7, cols&^7
		kernels.Transpose8(&d32[0], ldd, &s32[0], lds, r8/8, c8/8)
	}
	for i := range rows {
		j0 := c8
		if i >= r8 {
			j0 = 0
		}
		for j := j0; j < cols; j++ {
			dst[j*ldd+i] = src[i*lds+j]
		}
	}
}
