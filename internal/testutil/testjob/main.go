// Command testjob is the job the end-to-end tests submit: as the driver it
// runs until told to stop, or fails on purpose, so that tests can drive
// attempts and executors from outside.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spindlehq/spindle/launch"
)

func main() {
	untilFile := flag.String("until-file", "", "run until this file exists, then exit 0")
	exitCode := flag.Int("exit", 0, "exit with this code after -after")
	after := flag.Duration("after", 0, "how long to run before exiting with -exit")
	failAttempts := flag.String("fail-attempts", "", "comma list of attempt numbers (1, 2, …) that exit 1 at once")
	flag.Parse()

	attempt := os.Getenv(launch.EnvAttemptID)
	fmt.Printf("testjob driver: attempt %s, role %s\n", attempt, os.Getenv(launch.EnvRole))
	for _, n := range strings.Split(*failAttempts, ",") {
		if n != "" && strings.HasSuffix(attempt, fmt.Sprintf("_%06s", n)) {
			fmt.Println("testjob: failing this attempt on purpose")
			os.Exit(1)
		}
	}
	if *untilFile != "" {
		for {
			if _, err := os.Stat(*untilFile); err == nil {
				fmt.Println("testjob: stop file found, finishing")
				os.Exit(0)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	time.Sleep(*after)
	os.Exit(*exitCode)
}
