package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Short names for the operand forms the kernels use.

// at is disp(base).
func at(base Register, disp int) Mem { return Mem{Base: base, Disp: disp} }

// idx is disp(base)(index*scale).
func idx(base Register, disp int, index Register, scale uint8) Mem {
	return Mem{Base: base, Disp: disp, Index: index, Scale: scale}
}

// ymm is register Yi.
func ymm(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}[i]
}

// param is a Go argument's stack slot, name+offset(FP).
func param(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// lbl is a label reference.
func lbl(format string, a ...any) LabelRef { return LabelRef(fmt.Sprintf(format, a...)) }

// label places a label.
func label(format string, a ...any) { Label(fmt.Sprintf(format, a...)) }

// zero clears a vector register.
func zero(y VecPhysical) { VXORPS(y, y, y) }

// stack is disp(SP), a slot of the frame's locals.
func stack(disp int) Mem { return Mem{Base: StackPointer, Disp: disp} }

// broadcastTo broadcasts the float32 at src to the eight lanes of the
// frame's slot at disp (through Y12).
func broadcastTo(disp int, src Mem) {
	VBROADCASTSS(src, Y12)
	VMOVUPS(Y12, stack(disp))
}

// nextVector ends a loop over eight-lane vectors counted down in R8: it
// advances each pointer by one vector, loops back to loop while vectors
// remain, then places done and returns.
func nextVector(loop, done string, ptrs ...Register) {
	for _, p := range ptrs {
		ADDQ(U8(32), p)
	}
	DECQ(R8)
	JNZ(lbl("%s", loop))
	label("%s", done)
	VZEROUPPER()
	RET()
}
