// Package minihdfs runs an in-process HDFS cluster for tests: one NameNode
// and one DataNode on 127.0.0.1 that speak Hadoop's real wire protocols
// (Hadoop RPC with ClientProtocol, and DataTransferProtocol), so that an
// unmodified HDFS client such as github.com/colinmarc/hdfs/v2 talks to it
// as it would to a real cluster.
//
// The namespace (a tree of directories and files with permissions, owner,
// group and times) and the block data live in memory. Authentication is
// Hadoop's "simple" mode: the user named in each connection's context owns
// what it creates. Permissions are recorded and reported, not enforced,
// and leases do not expire. Stop and Restart take the NameNode down and
// up again on the same address with its namespace intact, for tests of
// clients facing an unreachable NameNode.
//
// The NameNode serves these ClientProtocol methods: getFileInfo, getListing,
// mkdirs, create, addBlock, updateBlockForPipeline, complete,
// getBlockLocations, rename, rename2, delete, getServerDefaults, renewLease,
// setPermission, setOwner, setTimes and getContentSummary. Any other method
// gets Hadoop's RpcNoSuchMethodException. The DataNode serves WRITE_BLOCK
// (a pipeline of one, CRC32C or CRC32 checksums verified per chunk, a
// PipelineAckProto per packet) and READ_BLOCK (packets of checksummed
// chunks); other operations get ERROR_UNSUPPORTED.
//
// Failures are Hadoop's RemoteExceptions with Hadoop's class names (for
// example java.io.FileNotFoundException or
// org.apache.hadoop.fs.FileAlreadyExistsException), so clients map them to
// their own errors exactly as they would against a real NameNode.
package minihdfs
