package resourcemanager

// Spark's overhead rule: max(384 MiB, 10% of the memory).
const (
	minOverheadMB   = 384
	overheadPercent = 10
)

// Overhead returns the memory overhead of a container whose process memory is
// memoryMB: requested when positive, else max(384 MiB, 10% of memoryMB).
func Overhead(memoryMB, requestedMB int64) int64 {
	if requestedMB > 0 {
		return requestedMB
	}
	return max(minOverheadMB, memoryMB*overheadPercent/100)
}
