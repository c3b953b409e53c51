package scheduler

import "strconv"

// Resource is an amount of memory and CPU, as a node's capacity, a
// container's size or a queue's usage.
type Resource struct {
	// MemoryMB is memory in mebibytes.
	MemoryMB int64
	// VCores is the number of virtual cores.
	VCores int32
}

// Add returns r + o, component by component.
func (r Resource) Add(o Resource) Resource {
	return Resource{MemoryMB: r.MemoryMB + o.MemoryMB, VCores: r.VCores + o.VCores}
}

// Sub returns r - o, component by component.
func (r Resource) Sub(o Resource) Resource {
	return Resource{MemoryMB: r.MemoryMB - o.MemoryMB, VCores: r.VCores - o.VCores}
}

// LessOrEqual reports whether every component of r is at most the
// corresponding component of o.
func (r Resource) LessOrEqual(o Resource) bool {
	return r.MemoryMB <= o.MemoryMB && r.VCores <= o.VCores
}

// Fits reports whether req fits within r, taking r as the available
// amount: it is req.LessOrEqual(r).
func (r Resource) Fits(req Resource) bool {
	return req.LessOrEqual(r)
}

// IsZero reports whether both components are zero.
func (r Resource) IsZero() bool {
	return r.MemoryMB == 0 && r.VCores == 0
}

// IsPositive reports whether both components are greater than zero.
func (r Resource) IsPositive() bool {
	return r.MemoryMB > 0 && r.VCores > 0
}

// String formats r the way YARN prints resources: <memory:4096, vCores:2>.
func (r Resource) String() string {
	b := make([]byte, 0, 40)
	b = append(b, "<memory:"...)
	b = strconv.AppendInt(b, r.MemoryMB, 10)
	b = append(b, ", vCores:"...)
	b = strconv.AppendInt(b, int64(r.VCores), 10)
	b = append(b, '>')
	return string(b)
}

// componentMax returns the larger of each component of a and b.
func componentMax(a, b Resource) Resource {
	if b.MemoryMB > a.MemoryMB {
		a.MemoryMB = b.MemoryMB
	}
	if b.VCores > a.VCores {
		a.VCores = b.VCores
	}
	return a
}

// componentMin returns the smaller of each component of a and b.
func componentMin(a, b Resource) Resource {
	if b.MemoryMB < a.MemoryMB {
		a.MemoryMB = b.MemoryMB
	}
	if b.VCores < a.VCores {
		a.VCores = b.VCores
	}
	return a
}
