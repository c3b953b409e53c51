// Package jobpb holds the protocol between Spindle and a job binary
// (job.proto) and the Go code generated from it. Jobs do not use it
// directly: the sdk package translates it to and from Go types. Regenerate
// with `make proto`.
package jobpb
