package minihdfs

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by Restart on a closed cluster.
var ErrClosed = errors.New("minihdfs: cluster closed")

// Java exception classes the NameNode answers with, as a real NameNode names
// them; clients map several of them to their own errors (not found, exists).
const (
	classIO                   = "java.io.IOException"
	classFileNotFound         = "java.io.FileNotFoundException"
	classFileAlreadyExists    = "org.apache.hadoop.fs.FileAlreadyExistsException"
	classParentNotDirectory   = "org.apache.hadoop.fs.ParentNotDirectoryException"
	classPathIsNotEmptyDir    = "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException"
	classInvalidPath          = "org.apache.hadoop.fs.InvalidPathException"
	classAlreadyBeingCreated  = "org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException"
	classLeaseExpired         = "org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException"
	classNotReplicatedYet     = "org.apache.hadoop.hdfs.server.namenode.NotReplicatedYetException"
	classPathComponentTooLong = "org.apache.hadoop.hdfs.protocol.FSLimitException$PathComponentTooLongException"
	classIllegalArgument      = "org.apache.hadoop.HadoopIllegalArgumentException"
	classNoSuchMethod         = "org.apache.hadoop.ipc.RpcNoSuchMethodException"
	classNoSuchProtocol       = "org.apache.hadoop.ipc.RpcNoSuchProtocolException"
	classRPCServer            = "org.apache.hadoop.ipc.RpcServerException"
	classUnsupportedOperation = "java.lang.UnsupportedOperationException"
)

// remoteError is a failed call as the NameNode reports it: a Java exception
// class and its message, sent in the RpcResponseHeaderProto.
type remoteError struct {
	class string
	msg   string
}

func (e *remoteError) Error() string { return e.class + ": " + e.msg }

func remote(class, format string, args ...any) *remoteError {
	return &remoteError{class: class, msg: fmt.Sprintf(format, args...)}
}
