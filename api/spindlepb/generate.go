package spindlepb

//go:generate sh -c "cd ../.. && protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) -I api/spindlepb --go_out=api/spindlepb --go_opt=paths=source_relative --go-grpc_out=api/spindlepb --go-grpc_opt=paths=source_relative api/spindlepb/*.proto"
