// Package clustertest holds end-to-end tests of the cluster core: a real
// ResourceManager and NodeManagers, each its own spindle process on
// 127.0.0.1, driven through their gRPC and REST interfaces and the CLI.
package clustertest
