package sdk

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spindlehq/spindle/api/jobpb"
	"go.uber.org/zap"
)

// receiverSet is a configured job's receivers (Receiving).
type receiverSet struct {
	recvs []Receiver
	info  []ReceiverInfo
}

// maxReceiverName bounds a stream name: it becomes a file name and a
// record's topic.
const maxReceiverName = 200

// load asks a Receiving job for its receivers and checks their names.
func (s *receiverSet) load(job any) error {
	rj, ok := job.(Receiving)
	if !ok {
		return nil
	}
	recvs := rj.Receivers()
	info := make([]ReceiverInfo, len(recvs))
	seen := map[string]int{}
	for i, r := range recvs {
		if r == nil {
			return fmt.Errorf("%w: Receivers() returned nil at stream %d", ErrInvalidJob, i)
		}
		name := fmt.Sprintf("receiver-%d", i)
		if n, ok := r.(ReceiverName); ok {
			name = n.Name()
		}
		if err := checkReceiverName(name); err != nil {
			return fmt.Errorf("%w: receiver %d: %v", ErrInvalidJob, i, err)
		}
		if j, dup := seen[name]; dup {
			return fmt.Errorf("%w: receivers %d and %d are both named %q", ErrInvalidJob, j, i, name)
		}
		seen[name] = i
		info[i].Name = name
		if l, ok := r.(ReceiverLocation); ok {
			info[i].PreferredLocation = strings.TrimSpace(l.PreferredLocation())
		}
	}
	s.recvs, s.info = recvs, info
	return nil
}

// checkReceiverName accepts names that are safe as file names.
func checkReceiverName(name string) error {
	switch {
	case name == "" || name[0] == '.':
		return fmt.Errorf("name %q is empty or starts with '.'", name)
	case len(name) > maxReceiverName || !utf8.ValidString(name):
		return fmt.Errorf("name %q is longer than %d bytes or not UTF-8", name, maxReceiverName)
	case strings.ContainsAny(name, "/\\\x00\n"):
		return fmt.Errorf("name %q has a '/', '\\', NUL or newline", name)
	}
	return nil
}

func (s *receiverSet) infos() []ReceiverInfo {
	if len(s.info) == 0 {
		return nil
	}
	return append([]ReceiverInfo(nil), s.info...)
}

// receiverSource is implemented by the plugin side's runner: the
// Receiver service finds it by type assertion.
type receiverSource interface {
	receiver(streamID int) (Receiver, *zap.Logger, error)
}

func (r *runner[E]) receiver(streamID int) (Receiver, *zap.Logger, error) {
	if !r.configured.Load() {
		return nil, nil, ErrNotConfigured
	}
	if streamID < 0 || streamID >= len(r.receivers.recvs) {
		return nil, nil, fmt.Errorf("%w: stream %d; the job has %d receivers", errNoReceiver, streamID, len(r.receivers.recvs))
	}
	return r.receivers.recvs[streamID], r.log, nil
}

func receiverInfosToProto(in []ReceiverInfo) []*jobpb.ReceiverInfo {
	if len(in) == 0 {
		return nil
	}
	out := make([]*jobpb.ReceiverInfo, len(in))
	for i, ri := range in {
		out[i] = &jobpb.ReceiverInfo{Name: ri.Name, PreferredLocation: ri.PreferredLocation}
	}
	return out
}

func receiverInfosFromProto(in []*jobpb.ReceiverInfo) []ReceiverInfo {
	if len(in) == 0 {
		return nil
	}
	out := make([]ReceiverInfo, len(in))
	for i, ri := range in {
		out[i] = ReceiverInfo{Name: ri.GetName(), PreferredLocation: ri.GetPreferredLocation()}
	}
	return out
}
