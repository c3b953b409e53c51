// Command wordcount is a complete Spindle job: it reads lines of text,
// rejects empty lines and lines that are not UTF-8 (they go to the
// dead-letter output with the reason), emits each partition's word counts
// for the sink, and keeps a running count per word across batches.
//
// Build and submit:
//
//	go build -o wordcount ./examples/wordcount
//	spindle submit --master yarn --num-executors 2 ./wordcount --lower
//
// Arguments: --lower folds words to lower case; --min-length N ignores
// words shorter than N characters.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spindlehq/spindle/sdk"
	"go.uber.org/zap"
)

// wordCount is the job. Its events are words.
type wordCount struct {
	lower     bool
	minLength int
	log       *zap.Logger
}

// Configure reads the job's arguments and keeps the logger.
func (j *wordCount) Configure(_ context.Context, jc sdk.JobContext) error {
	fs := flag.NewFlagSet("wordcount", flag.ContinueOnError)
	fs.BoolVar(&j.lower, "lower", false, "fold words to lower case")
	fs.IntVar(&j.minLength, "min-length", 1, "ignore words shorter than this many characters")
	if err := fs.Parse(jc.Args); err != nil {
		return fmt.Errorf("wordcount arguments %q: %w", jc.Args, err)
	}
	if j.minLength < 1 {
		return fmt.Errorf("wordcount: --min-length %d must be at least 1", j.minLength)
	}
	j.log = jc.Logger
	return nil
}

// Parse splits a line into words. A line that is empty, blank or not
// UTF-8 is rejected with the reason; a line whose words are all too short
// yields no events and is counted as filtered.
func (j *wordCount) Parse(rec sdk.Record) ([]string, error) {
	line := rec.Value
	switch {
	case len(line) == 0:
		return nil, errors.New("empty line")
	case !utf8.Valid(line):
		return nil, fmt.Errorf("line is not valid UTF-8 (first bad byte at %d)", firstInvalid(line))
	}
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return nil, errors.New("blank line: no words")
	}
	words := fields[:0]
	for _, w := range fields {
		if utf8.RuneCountInString(w) < j.minLength {
			continue
		}
		if j.lower {
			w = strings.ToLower(w)
		}
		words = append(words, w)
	}
	return words, nil
}

// Emit returns one output per distinct word of the partition: the word as
// key and its count in this partition as value, in the order the words
// first appear, so that a retried batch writes the same outputs.
func (j *wordCount) Emit(_ context.Context, p sdk.PartitionInfo, words []string) ([]sdk.Output, error) {
	counts := make(map[string]int)
	var order []string
	for _, w := range words {
		if counts[w] == 0 {
			order = append(order, w)
		}
		counts[w]++
	}
	outs := make([]sdk.Output, len(order))
	for i, w := range order {
		outs[i] = sdk.Output{Key: []byte(w), Value: strconv.AppendInt(nil, int64(counts[w]), 10)}
	}
	j.log.Info("partition counted", zap.String("topic", p.Topic), zap.Int32("partition", p.Partition),
		zap.Time("batch", p.BatchTime), zap.Int("words", len(words)), zap.Int("distinct", len(order)))
	return outs, nil
}

// one is the partial aggregate of a single word.
var one = []byte("1")

// Aggregate counts each word once; counts are decimal text.
func (j *wordCount) Aggregate(w string) (string, []byte, bool) {
	return w, one, true
}

// Reduce adds two counts.
func (j *wordCount) Reduce(a, b []byte) ([]byte, error) {
	x, err := parseCount(a)
	if err != nil {
		return nil, err
	}
	y, err := parseCount(b)
	if err != nil {
		return nil, err
	}
	return strconv.AppendInt(nil, x+y, 10), nil
}

// UpdateState adds the batch's counts to the word's running count.
func (j *wordCount) UpdateState(_ time.Time, _ string, values [][]byte, old []byte) ([]byte, bool, error) {
	var total int64
	if old != nil {
		n, err := parseCount(old)
		if err != nil {
			return nil, false, fmt.Errorf("previous state: %w", err)
		}
		total = n
	}
	for _, v := range values {
		n, err := parseCount(v)
		if err != nil {
			return nil, false, err
		}
		total += n
	}
	return strconv.AppendInt(nil, total, 10), true, nil
}

func parseCount(b []byte) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("count %q is not a non-negative integer", b)
	}
	return n, nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

func main() {
	sdk.Serve(&wordCount{})
}
