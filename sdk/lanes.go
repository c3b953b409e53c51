package sdk

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/spindlehq/spindle/api/jobpb"
)

// A job plugin and its host share memory, a memfd the host creates and
// passes to the plugin at its start (envSharedFD), cut into lanes. A
// ProcessPartition call takes a free lane, writes its records' columns
// there (sharedlayout.go) and sends only their place over gRPC; the
// plugin reads the records where they are, without a copy, and writes the
// outputs' keys and values into the rest of the lane, which the host
// copies out once. gRPC keeps the control: the call, its small columns,
// its errors and metrics. A call that does not fit in a lane, or finds
// none free, goes over gRPC whole, as it does with a plugin that has not
// mapped the memory (a job built with an older sdk).
//
// The records a job sees in a lane are valid only during the call: the
// lane holds the next call's records afterwards.

const (
	// envSharedFD names the plugin's file descriptor of the shared memory.
	envSharedFD = "SPINDLE_JOB_SHARED_FD"
	// laneCount lanes of laneBytes each: a lane per call in flight, and
	// an executor has at most one call in flight per running task.
	laneCount = 16
	laneBytes = 32 << 20
	// laneControlBytes starts each lane: the number of the call using it
	// (written by the host) and of the last call the plugin finished with
	// it (written by the plugin).
	laneControlBytes = 64
	// laneKeepBytes of a lane stay in memory between calls; what a
	// larger call wrote beyond is given back to the system.
	laneKeepBytes = 4 << 20
	// maxSharedBytes bounds the memory a plugin maps.
	maxSharedBytes = 1 << 32
)

// sharedMem is the memory a host and its job plugin share.
type sharedMem struct {
	file *os.File
	mem  []byte
}

// controlWord is word i of the control block of the lane at off. Both
// processes access it atomically; lanes are page aligned.
func (m *sharedMem) controlWord(off uint64, i int) *atomic.Uint64 {
	return (*atomic.Uint64)(unsafe.Pointer(&m.mem[off+uint64(8*i)]))
}

// lane is one lane of a lanePool.
type lane struct {
	off  int
	buf  []byte // the lane after its control block
	call uint64 // the call using it, or last using it
	// used is the most of buf the current call wrote or had written.
	used int
}

// lanePool hands out the lanes of the host's shared memory, one call at a
// time each.
type lanePool struct {
	mem *sharedMem
	// inUse is held for reading by each call with a lane, and for
	// writing by close, so that the memory is never unmapped under a
	// call.
	inUse sync.RWMutex
	free  chan *lane
	calls atomic.Uint64

	mu     sync.Mutex
	closed bool
	// stuck holds lanes whose call the host gave up on (an error, a
	// cancelled context) while the plugin may still be using them; each
	// is free again once the plugin has written that it is done.
	stuck []*lane
}

// newLanePool creates the shared memory and its lanes.
func newLanePool() (*lanePool, error) {
	m, err := newSharedMem(laneCount * laneBytes)
	if err != nil {
		return nil, err
	}
	p := &lanePool{mem: m, free: make(chan *lane, laneCount)}
	for i := range laneCount {
		off := i * laneBytes
		p.free <- &lane{off: off, buf: m.mem[off+laneControlBytes : off+laneBytes : off+laneBytes]}
	}
	return p, nil
}

// get returns a free lane for a new call, or nil when there is none; the
// caller gives it back with put.
func (p *lanePool) get() *lane {
	if p == nil {
		return nil
	}
	p.inUse.RLock()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		p.inUse.RUnlock()
		return nil
	}
	var l *lane
	select {
	case l = <-p.free:
	default:
		l = p.unstick()
	}
	if l == nil {
		p.inUse.RUnlock()
		return nil
	}
	l.call = p.calls.Add(1)
	p.mem.controlWord(uint64(l.off), 0).Store(l.call)
	return l
}

// unstick returns a stuck lane whose call the plugin has finished with.
func (p *lanePool) unstick() *lane {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, l := range p.stuck {
		if p.mem.controlWord(uint64(l.off), 1).Load() == l.call {
			p.stuck = append(p.stuck[:i], p.stuck[i+1:]...)
			return l
		}
	}
	return nil
}

// put gives l back. done says whether the plugin has finished with it:
// the call returned its answer, or never reached the plugin.
func (p *lanePool) put(l *lane, done bool) {
	defer p.inUse.RUnlock()
	if !done {
		p.mu.Lock()
		p.stuck = append(p.stuck, l)
		p.mu.Unlock()
		return
	}
	if l.used > laneKeepBytes-laneControlBytes {
		p.mem.discard(l.off+laneKeepBytes, laneBytes-laneKeepBytes)
	}
	l.used = 0
	p.free <- l
}

// close unmaps the memory once no call holds a lane. Later calls find no
// lane.
func (p *lanePool) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	closed := p.closed
	p.closed = true
	p.mu.Unlock()
	if closed {
		return
	}
	p.inUse.Lock()
	defer p.inUse.Unlock()
	p.mem.close()
}

// toProto describes l for a request whose records take recordsLength
// bytes.
func (l *lane) toProto(recordsLength int) *jobpb.SharedLane {
	return &jobpb.SharedLane{Offset: uint64(l.off), Size: laneBytes, RecordsLength: uint64(recordsLength), Call: l.call}
}

// outputsRoom is where in its lane a call's outputs may start, after
// records of recordsLength bytes: at the next 8-byte boundary.
func outputsRoom(recordsLength uint64) uint64 {
	return laneControlBytes + (recordsLength+7)&^7
}

// openSharedFromEnv maps the memory the host shared, when it did (the
// plugin side); nil when it did not, or when it cannot be mapped.
func openSharedFromEnv() (*sharedMem, error) {
	v := os.Getenv(envSharedFD)
	if v == "" {
		return nil, nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("sdk: %s=%q is not a file descriptor", envSharedFD, v)
	}
	return openSharedMem(fd)
}

// laneRegions checks the lane a request names against the plugin's
// mapping and returns its records and the room for its outputs, with the
// offset of that room.
func (m *sharedMem) laneRegions(l *jobpb.SharedLane) (records, room []byte, roomOff uint64, err error) {
	off, size, rl := l.GetOffset(), l.GetSize(), l.GetRecordsLength()
	total := uint64(len(m.mem))
	if off%8 != 0 || size < laneControlBytes || off > total || size > total-off || rl > size-laneControlBytes {
		return nil, nil, 0, fmt.Errorf("%w: lane at %d of %d bytes with %d bytes of records does not fit the %d bytes shared", ErrProtocol, off, size, rl, total)
	}
	lane := m.mem[off : off+size : off+size]
	roomOff = outputsRoom(rl)
	if roomOff > size {
		roomOff = size
	}
	return lane[laneControlBytes : laneControlBytes+rl], lane[roomOff:], off + roomOff, nil
}

// finish records that the plugin no longer touches the lane of call.
func (m *sharedMem) finish(l *jobpb.SharedLane) {
	m.controlWord(l.GetOffset(), 1).Store(l.GetCall())
}
