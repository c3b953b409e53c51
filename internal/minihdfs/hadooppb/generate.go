package hadooppb

// The include root is internal/minihdfs so that the registered file names are
// "hadooppb/….proto" and never clash with a Hadoop client's own "hdfs.proto".
//go:generate sh -c "cd ../../.. && protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) -I internal/minihdfs --go_out=internal/minihdfs --go_opt=paths=source_relative internal/minihdfs/hadooppb/*.proto"
