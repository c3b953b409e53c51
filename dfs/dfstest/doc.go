// Package dfstest gives tests of other packages real dfs stores: a
// file:// store in a temporary directory and an hdfs:// store on the
// in-process HDFS (internal/minihdfs), both closed when the test ends.
package dfstest
