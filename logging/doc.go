// Package logging builds the zap loggers used by every Spindle daemon and
// provides RollingFile, a size- and age-bounded rolling log writer.
//
// Daemons log to stderr and, when configured, to a rolling file; the
// NodeManager also writes each container's stdout and stderr through a
// RollingFile so that a long-running, chatty container cannot fill the
// disk. Rolled files are named like log4j's RollingFileAppender: Path.1 is
// the newest rolled file and Path.N the oldest.
package logging
