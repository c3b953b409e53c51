// Package hadooppb holds the protobuf messages of Hadoop RPC, ClientProtocol
// and DataTransferProtocol that the mini HDFS cluster speaks: a subset of
// Hadoop's .proto files with Hadoop's message names and field numbers, so
// that the bytes on the wire are exactly those of a real NameNode and
// DataNode.
//
// The proto packages are Hadoop's with a "minihdfs." prefix
// (minihdfs.hadoop.common, minihdfs.hadoop.hdfs) and the files are
// registered as "hadooppb/….proto": a Hadoop client linked into the same
// binary registers Hadoop's own names, and protobuf refuses two
// registrations of one name. Package names never appear on the wire.
package hadooppb
