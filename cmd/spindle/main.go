// Command spindle is Spindle's single binary: the daemons (resourcemanager,
// nodemanager) and the client commands, one file per command.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "spindle:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:    "spindle",
		Usage:   "a YARN-style cluster runtime for 24/7 streaming applications",
		Version: version,
		// --conf values contain commas (lists); never split them.
		DisableSliceFlagSeparator: true,
		Commands: []*cli.Command{
			resourceManagerCommand(),
			nodeManagerCommand(),
			submitCommand(),
			nodeCommand(),
			slsCommand(),
			appMasterCommand(),
			executorCommand(),
			applicationCommand(),
			applicationAttemptCommand(),
			logsCommand(),
			devCommand(),
			chaosCommand(),
			checkpointCommand(),
			historyCommand(),
			containerCommand(),
			queueCommand(),
			tlsCommand(),
			rmAdminCommand(),
		},
	}
}
