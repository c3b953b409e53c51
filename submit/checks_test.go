package submit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"
)

// kafkaJob are the keys every Spindle job that reads Kafka sets.
var kafkaJob = []string{"--conf", "spindle.kafka.bootstrap.servers=kafka1:9092", "--conf", "spindle.kafka.topics=clicks"}

// submitCheck is one thing spindle submit refuses or warns of, with a
// command line that shows it; docs/submitting.md quotes what it prints.
type submitCheck struct {
	// title says what is checked.
	title string
	// args are the command line after `spindle submit`.
	args []string
	// stage is where the check happens: "parse" (the command line),
	// "streaming" (the streaming settings together, before the RM is asked
	// for anything) or "resources" (against the maximum allocation the RM
	// gives with the application id).
	stage string
	// warnings and err are parts of what must be printed.
	warnings []string
	err      []string
	// sentinel is what err must wrap.
	sentinel error
}

// exampleMaximum is the maximum allocation of the documentation's cluster:
// the defaults of yarn.scheduler.maximum-allocation-mb and -vcores.
var exampleMaximum = &pb.Resource{MemoryMb: 8192, Vcores: 4}

// exampleAppID is the application id the documentation's refusals show.
const exampleAppID = "application_1700000000000_0001"

var submitChecks = []submitCheck{
	{title: "A typo in a Spark key is passed to the job, as Spark does, with a warning that names the key meant",
		args:  []string{"--conf", "spark.exector.memory=4g", "--conf", "spark.yarn.maxAppAtempts=4", "./job"},
		stage: "parse",
		warnings: []string{
			"Warning: spark.exector.memory (from --conf) is not a Spark key Spindle knows; it is passed to the job as it is. Did you mean spark.executor.memory?",
			"Warning: spark.yarn.maxAppAtempts (from --conf) is not a Spark key Spindle knows; it is passed to the job as it is. Did you mean spark.yarn.maxAppAttempts?",
		}},
	{title: "An unknown Spindle key is refused",
		args:  []string{"--conf", "spindle.kafka.topic=clicks", "./job"},
		stage: "parse", sentinel: ErrUnknownKey,
		err: []string{"submit: unknown key: spindle.kafka.topic (from --conf) is not a Spindle key: did you mean spindle.kafka.topics?"}},
	{title: "A value that does not fit its key is refused, with what is accepted",
		args:  []string{"--conf", "spindle.streaming.batchDuration=fast", "./job"},
		stage: "parse", sentinel: ErrInvalidValue,
		err: []string{`submit: invalid value: spindle.streaming.batchDuration (from --conf): "fast" is not a duration`, "a bare number means milliseconds"}},
	{title: "A number out of range is refused",
		args:  []string{"--num-executors", "0", "./job"},
		stage: "parse", sentinel: ErrInvalidValue,
		err: []string{`submit: invalid value: --num-executors: "0" is too small: use at least 1`}},
	{title: "Keys that Spark acts on and Spindle does not are accepted with a warning that says what Spindle does instead",
		args: []string{"--conf", "spark.speculation=true", "--conf", "spark.dynamicAllocation.enabled=true",
			"--conf", "spark.streaming.receiver.writeAheadLog.closeFileAfterWrite=true",
			"--conf", "spark.streaming.concurrentJobs=4", "./job"},
		stage: "parse",
		warnings: []string{
			`Warning: spark.dynamicAllocation.enabled (from --conf) is "true": Spindle does not scale executors`,
			`Warning: spark.speculation (from --conf) is "true": Spindle does not launch speculative copies of slow tasks`,
			`Warning: spark.streaming.concurrentJobs (from --conf) is "4": Spindle runs batches one at a time`,
			`Warning: spark.streaming.receiver.writeAheadLog.closeFileAfterWrite (from --conf) is "true": Spindle writes each block`,
		}},
	{title: "A daemon key has no effect at submit, and says so",
		args:     []string{"--conf", "spindle.tmp.dir=/data/spindle", "./job"},
		stage:    "parse",
		warnings: []string{"Warning: spindle.tmp.dir (from --conf) is a daemon key: set it in the configuration directory (spindle-site.xml or yarn-site.xml); spindle submit ignores it."}},
	{title: "Streaming settings that do not fit together are refused before the ResourceManager is asked for anything",
		args:  append(append([]string{}, kafkaJob...), "--conf", "spindle.sink.kind=kafka", "./job"),
		stage: "streaming", sentinel: nil,
		err: []string{"sink: invalid config: spindle.sink.kafka.topic is required with spindle.sink.kind=kafka"}},
	{title: "Executors larger than the cluster's maximum allocation are refused, in YARN's words, before the application exists",
		args:  append(append([]string{}, kafkaJob...), "--executor-memory", "16g", "./job"),
		stage: "resources", sentinel: launch.ErrInvalidResourceRequest,
		err: []string{"submit " + exampleAppID + ": launch: InvalidResourceRequestException: Invalid resource request, requested memory < 0, or requested memory > max configured, requestedMemory=18022, maxMemory=8192",
			"spark.executor.memory"}},
	{title: "and so are executors with more cores than the maximum",
		args:  append(append([]string{}, kafkaJob...), "--executor-cores", "8", "./job"),
		stage: "resources", sentinel: launch.ErrInvalidResourceRequest,
		err: []string{"requestedVirtualCores=8, maxVirtualCores=4", "spark.executor.cores"}},
}

// run runs the check as spindle submit does, up to its stage, and returns
// the warnings and the error it prints.
func (c submitCheck) run() ([]string, error) {
	o, warnings, err := Parse(c.args, ParseOptions{ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }})
	if err != nil || c.stage == "parse" {
		return warnings, err
	}
	// As spindle submit gives a Spindle job its default paths.
	for _, k := range []string{conf.KeyCheckpointDir, conf.KeySinkPath} {
		if err := o.SetDefault(k, "file:///tmp/spindle/"+k); err != nil {
			return warnings, err
		}
	}
	if err := driver.CheckStreaming(o.Settings); err != nil || c.stage == "streaming" {
		return warnings, err
	}
	ask := launch.ResourceAsk{Role: "executor", MemoryMB: o.ExecutorMemoryMB, OverheadMB: o.ExecutorMemoryOverheadMB, VCores: int32(o.ExecutorCores),
		MemoryKey: conf.KeyExecutorMemory, OverheadKey: conf.KeyExecutorMemoryOverhead, CoresKey: conf.KeyExecutorCores}
	if err := ask.CheckMaximum(exampleMaximum); err != nil {
		return warnings, fmt.Errorf("submit %s: %w", exampleAppID, err)
	}
	return warnings, nil
}

func TestSubmitChecks(t *testing.T) {
	for _, c := range submitChecks {
		t.Run(c.title, func(t *testing.T) {
			warnings, err := c.run()
			got := strings.Join(warnings, "\n")
			for _, w := range c.warnings {
				if !strings.Contains(got, w) {
					t.Errorf("warnings lack %q:\n%s", w, got)
				}
			}
			if len(warnings) != len(c.warnings) {
				t.Errorf("%d warnings, want %d:\n%s", len(warnings), len(c.warnings), got)
			}
			if len(c.err) == 0 {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if c.sentinel != nil && !errors.Is(err, c.sentinel) {
				t.Errorf("error %v does not wrap %v", err, c.sentinel)
			}
			for _, e := range c.err {
				if !strings.Contains(err.Error(), e) {
					t.Errorf("error %q lacks %q", err, e)
				}
			}
		})
	}
}

// renderChecks renders the checks as terminal sessions, with what spindle
// submit prints: the warnings, and the error after "spindle: ".
func renderChecks() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\n## Checked at submit\n\n")
	b.WriteString("`spindle submit` checks every setting before it asks the ResourceManager for\n")
	b.WriteString("anything but the application's id, so that a mistake costs no attempt. What\n")
	b.WriteString("it prints, on a cluster with the default maximum allocation (8192 MiB, 4\n")
	b.WriteString("vcores; `Run 'spindle submit --help' for the flags.` follows a command-line\n")
	b.WriteString("error):\n")
	for _, c := range submitChecks {
		warnings, err := c.run()
		if (err != nil) != (len(c.err) > 0) {
			return nil, fmt.Errorf("check %q: error %v", c.title, err)
		}
		fmt.Fprintf(&b, "\n%s:\n\n```\n$ spindle submit %s\n", c.title, shellLines([][]string{c.args}))
		for _, w := range warnings {
			b.WriteString(w + "\n")
		}
		if err != nil {
			b.WriteString("spindle: " + err.Error() + "\n")
		}
		b.WriteString("```\n")
	}
	return b.Bytes(), nil
}
