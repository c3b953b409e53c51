package conf

// maxWarningSuggestion is the edit distance up to which a warning about an
// unknown key suggests a known one. It is small because many YARN keys
// that Spindle does not use differ from Spindle's by a few letters.
const maxWarningSuggestion = 2

// closest returns the known key, families excepted, nearest to name by
// edit distance, and that distance.
func (r *registry) closest(name string) (string, int) {
	best, bestDist := "", -1
	for _, k := range r.keys {
		if k.IsFamily() {
			continue
		}
		if d := EditDistance(name, k.Name); bestDist < 0 || d < bestDist {
			best, bestDist = k.Name, d
		}
	}
	return best, bestDist
}

// EditDistance is the Levenshtein distance between a and b, in bytes; it
// picks the closest known name for "did you mean" messages.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
