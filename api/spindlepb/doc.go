// Package spindlepb holds Spindle's protocol definitions (.proto files) and
// the Go code generated from them: ResourceTracker (NM → RM),
// ApplicationClient (client → RM), ApplicationMaster (AM → RM) and
// ContainerManagement (AM → NM). Regenerate with `make proto`.
package spindlepb
