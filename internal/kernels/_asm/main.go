// Command kernelgen writes the kernels package's AVX2 assembly
// (kernels_amd64.s) and its Go declarations (stubs_amd64.go) with avo
// (github.com/mmcloughlin/avo); run it through `go generate
// ./internal/kernels`.
//
// Each kernel is a Go function below that emits its instructions with
// physical registers named as the Go assembler names them, so that the
// generated file reads like hand-written assembly; avo checks every
// instruction form and derives each frame's argument size from the Go
// signature.
package main

import (
	. "github.com/mmcloughlin/avo/build"
)

func main() {
	ConstraintExpr("amd64,!purego")
	stencil()
	gather("Gather", false)
	gather("GatherSkip", true)
	correlate()
	plane()
	planeSum()
	padPlanes()
	sparsePairs()
	compact()
	transpose8()
	stencilShared(true)
	stencilShared(false)
	one, absMask := unitData()
	lifStatic(one, absMask)
	adam()
	movingAverage()
	softplus(one)
	stepForward(one)
	stepBackward(one)
	hhStatic(one, absMask)
	lifStep(one)
	lifBack(one, absMask)
	hhRowForward(one)
	hhRowBackward(one, absMask)
	k := pooledData(one, absMask)
	pooledLIFForward(k)
	pooledLIFBackward(k)
	pooledStepForward(k)
	pooledStepBackward(k)
	pooledHHForward(k)
	pooledHHBackward(k)
	pooledSLIFBackward(k)
	pooledSLIFForward(k)
	slifStepForward(k)
	slifStepBackward(k)
	slifUnits(k)
	slifBackSub(k)
	hhFast()
	hhvStatic()
	hhvStepForward()
	hhvStepBackward()
	gemmTiles()
	Generate()
}
