package resourcemanager

import (
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// Diagnostics for containers the RM completes, in YARN's words.
const (
	diagLostNode         = "Container released on a *lost* node"
	diagReleasedByApp    = "Container released by application"
	diagAllocationUnused = "Container expired since it was unused"
	diagAppFinished      = "Container killed by the ResourceManager because the application finished"
	diagAttemptFailed    = "Container killed by the ResourceManager because its application attempt failed"
)

// rmNode is the RM's view of one NodeManager.
type rmNode struct {
	id            string
	httpAddress   string
	memberAddress string
	memberName    string
	state         pb.NodeState
	total         *pb.Resource
	lastHeartbeat time.Time
	healthReport  string
	responseID    int32
	// cleanup holds containers the node must stop on its next heartbeat.
	cleanup []string
	// apps holds the applications that have had containers on the node
	// and have not yet been reported to it as finished.
	apps map[string]bool
	// held are the completed containers whose room is kept until the
	// node lets them go (see killLocked).
	held map[string]*rmContainer
}

// containerState is where an allocated container is in the RM's view.
type containerState int

const (
	containerAllocated containerState = iota // scheduled, not yet handed to its AM
	containerAcquired                        // handed to its AM
	containerRunning                         // its NM reported it running
	containerCompleted
)

// rmContainer is one allocated container.
type rmContainer struct {
	c           *pb.Container
	attemptID   string
	state       containerState
	allocatedAt time.Time
	finishedAt  time.Time
	status      *pb.ContainerStatus
	// held: completed, but its room on the node is kept until its NM
	// reports it stopped (see killLocked); absentBeats counts the node's
	// heartbeats since then that left it out.
	held        bool
	absentBeats int
}

// rmApp is one application.
type rmApp struct {
	id          string
	ctx         *pb.ApplicationSubmissionContext
	state       pb.ApplicationState
	finalStatus pb.FinalApplicationStatus
	diagnostics string
	submitTime  time.Time
	startTime   time.Time
	finishTime  time.Time
	attempts    []*rmAttempt
	progress    float32
	// supervision is set for an application submitted with a supervise
	// policy (spark.driver.supervise).
	supervision *supervision
}

func (a *rmApp) current() *rmAttempt {
	if len(a.attempts) == 0 {
		return nil
	}
	return a.attempts[len(a.attempts)-1]
}

// roundAttempts are the attempts of the current round: all of them, or for
// a supervised application those since its last relaunch.
func (a *rmApp) roundAttempts() []*rmAttempt {
	if a.supervision == nil {
		return a.attempts
	}
	return a.attempts[a.supervision.roundStart:]
}

func (a *rmApp) finished() bool {
	switch a.state {
	case pb.ApplicationState_APPLICATION_STATE_FINISHED, pb.ApplicationState_APPLICATION_STATE_FAILED, pb.ApplicationState_APPLICATION_STATE_KILLED:
		return true
	}
	return false
}

// rmAttempt is one attempt of an application.
type rmAttempt struct {
	id          string
	app         *rmApp
	state       pb.ApplicationAttemptState
	token       *pb.Token
	host        string
	rpcPort     int32
	trackingURL string
	diagnostics string
	startTime   time.Time
	finishTime  time.Time
	responseID  int32
	// allocated and completed wait for the AM's next Allocate call.
	allocated []*pb.Container
	completed []*pb.ContainerStatus
	// amContainer is the managed AM's container id, once allocated.
	amContainer string
	// countsAsFailure: the attempt failed for a reason that counts towards
	// the application's attempt limit.
	countsAsFailure bool
	// recoveredAt is set when a restarted RM recovered the attempt and
	// waits for an NM to report its AM container.
	recoveredAt time.Time
	// unregistered: the AM called FinishApplicationMaster.
	unregistered bool
	// refusal is why the RM refused the AM's last asks, until it accepts
	// them; waiting names the asks that fit no registered node. Both go
	// into the live application's diagnostics.
	refusal, waiting string
	// lastAllocate is the AM's last heartbeat.
	lastAllocate time.Time
	// overheads is the memory overhead asked for at each priority, so that
	// an allocation can tell its NM how much of it is process memory.
	overheads map[int32]int64
	// containers are the attempt's containers, its AM's included, in
	// allocation order: reports read them without a scan of every container.
	containers []*rmContainer
}

// overheadFor returns the overhead part of a container of totalMB allocated
// at priority.
func (t *rmAttempt) overheadFor(priority int32, totalMB int64) int64 {
	if o, ok := t.overheads[priority]; ok && o < totalMB {
		return o
	}
	return 0
}

func (t *rmAttempt) finished() bool {
	switch t.state {
	case pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FINISHED, pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FAILED, pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_KILLED:
		return true
	}
	return false
}
