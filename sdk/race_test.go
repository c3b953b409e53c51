//go:build race

package sdk

// Under the race detector the job binaries are built with it too: they
// then share the test binary's compiled packages instead of compiling
// every dependency a second time, and the plugin side is checked as well.
func init() { buildFlags = append(buildFlags, "-race") }
