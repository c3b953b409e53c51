// Package devcluster runs a whole Spindle cluster on one machine for trying
// Spindle out: a ResourceManager and NodeManagers, each its own `spindle`
// process as in production, an in-process Kafka broker, and a file://
// checkpoint root, all under one directory (./spindle-dev by default).
// `spindle dev` starts one; `spindle dev --demo` also runs the retail
// example on it (see Demo) with a retail day's traffic compressed in time.
//
// Every process it starts is in a process group of its own, so that a
// terminal's Ctrl-C reaches only `spindle dev`, which stops them in order
// (NodeManagers, which stop their containers, then the ResourceManager),
// and is killed by the kernel if `spindle dev` itself dies.
package devcluster
