package jobpb

//go:generate sh -c "cd ../.. && protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) -I api/jobpb --go_out=api/jobpb --go_opt=paths=source_relative --go-grpc_out=api/jobpb --go-grpc_opt=paths=source_relative api/jobpb/job.proto api/jobpb/receiver.proto"
