// Package hhnet carries the network the study published with its
// fully-connected equivalence experiment, so that a binary built from this
// module runs that experiment without a checkout beside it. The files, their
// source and their licence are in testdata/paper-fc-network (NOTICE).
package hhnet

import (
	"embed"
	"io/fs"
)

//go:embed testdata/paper-fc-network
var paperFC embed.FS

// PaperFCDir is the repository path of the study's fc network, the folder
// PaperFCNetwork returns.
const PaperFCDir = "testdata/paper-fc-network"

// PaperFCNetwork returns the study's 784–128–10 network and input image as
// a read-only file system with the layout sim.LoadFCFS reads.
func PaperFCNetwork() fs.FS {
	sub, err := fs.Sub(paperFC, PaperFCDir)
	if err != nil { // fs.Sub fails only for an invalid path, and PaperFCDir is valid
		return paperFC
	}
	return sub
}
