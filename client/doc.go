// Package client is the client side of a Spindle cluster, as Nomad's api
// package: the session with the ResourceManager that the commands use
// (reports, attempts, kill), and spark-submit's flow (stage the job,
// submit it, follow it, and in client mode host its driver).
package client
