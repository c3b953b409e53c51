package sdk

import "testing"

func TestBufferPoolGivesTheLengthAsked(t *testing.T) {
	var p bufferPool
	for _, n := range []int{0, 10, 1 << 20, 100, 1 << 21} {
		b := p.Get(n)
		if len(*b) != n {
			t.Fatalf("Get(%d) gave %d bytes", n, len(*b))
		}
		p.Put(b)
	}
}
