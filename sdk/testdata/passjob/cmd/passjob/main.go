// Command passjob serves passjob.Job as a Spindle job plugin. When
// PASSJOB_CPUPROFILE names a file, the plugin writes its CPU profile there
// when the host stops it, so that a benchmark can profile both sides of
// the plugin boundary.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/sdk/testdata/passjob"
)

func main() {
	if path := os.Getenv("PASSJOB_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "passjob: cpu profile: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "passjob: cpu profile: %v\n", err)
			os.Exit(1)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	sdk.Serve(passjob.Job{})
}
