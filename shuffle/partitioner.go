package shuffle

// FNV-1a's 32-bit parameters.
const (
	fnvOffset32 = 2166136261
	fnvPrime32  = 16777619
)

// Partition is the reduce partition, of n, that key belongs to: FNV-1a of
// the key's bytes modulo n. It is the same in every process and every
// build, so that map tasks, reduce tasks and keyed state kept between
// batches agree on where a key lives. n must be positive.
func Partition(key string, n int) int {
	h := uint32(fnvOffset32)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= fnvPrime32
	}
	return int(h % uint32(n))
}
