package launch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
)

// SpecFile is the launch spec's name in a container's working dir and in
// the application's staging dir.
const SpecFile = "__spindle_conf__.json"

// ErrBadSpec is wrapped by every error about a launch spec that cannot be
// read or is malformed.
var ErrBadSpec = errors.New("launch: bad launch spec")

// Spec is what `spindle submit` hands the AM and its executors, as Spark
// ships __spark_conf__: the effective configuration, the job and its
// arguments, and the staged files that executors get too.
type Spec struct {
	// Conf holds every effective spark.* and spindle.* key as given: what
	// the job is configured with.
	Conf map[string]string `json:"conf"`
	// Settings holds Conf's application keys as submit checked and parsed
	// them: what the AM and the executors act on, without parsing Conf
	// again. Decoding checks each value against its key once more.
	Settings conf.AppConf `json:"settings"`
	// Application is the job binary's file name in the working dir.
	Application string `json:"application"`
	// Args are the job's arguments.
	Args []string `json:"args,omitempty"`
	// DriverAddress is set in client mode: the submitting process's Task endpoint.
	DriverAddress string `json:"driverAddress,omitempty"`
	// Resources are the staged job binary, --files and --archives.
	Resources []Resource `json:"resources"`
}

// Resource is a staged file with its SHA-256.
type Resource struct {
	Name       string `json:"name"`
	URI        string `json:"uri"`
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
	Executable bool   `json:"executable,omitempty"`
	// Archive marks an archive to unpack into a dir called Name.
	Archive bool `json:"archive,omitempty"`
}

// ToPB converts resources for a launch context.
func ToPB(rs []Resource) []*pb.LocalResource {
	out := make([]*pb.LocalResource, len(rs))
	for i, r := range rs {
		out[i] = &pb.LocalResource{Name: r.Name, Uri: r.URI, Sha256: r.SHA256, Size: r.Size, Executable: r.Executable}
		if r.Archive {
			out[i].Type = pb.LocalResourceType_LOCAL_RESOURCE_TYPE_ARCHIVE
		}
	}
	return out
}

// FromPB converts staged resources into a spec's.
func FromPB(rs []*pb.LocalResource) []Resource {
	out := make([]Resource, len(rs))
	for i, r := range rs {
		out[i] = Resource{Name: r.GetName(), URI: r.GetUri(), SHA256: r.GetSha256(), Size: r.GetSize(), Executable: r.GetExecutable(),
			Archive: r.GetType() == pb.LocalResourceType_LOCAL_RESOURCE_TYPE_ARCHIVE}
	}
	return out
}

// ReadSpec reads and checks the launch spec in dir.
func ReadSpec(dir string) (Spec, error) {
	raw, err := os.ReadFile(filepath.Join(dir, SpecFile))
	if err != nil {
		return Spec{}, fmt.Errorf("%w: %w", ErrBadSpec, err)
	}
	return DecodeSpec(raw, SpecFile)
}

// DecodeSpec decodes a launch spec read from name and checks it (see
// Spec.Validate). Errors wrap ErrBadSpec and name the file.
func DecodeSpec(raw []byte, name string) (Spec, error) {
	var s Spec
	if err := json.Unmarshal(raw, &s); err != nil {
		return Spec{}, fmt.Errorf("%w: %s: %w", ErrBadSpec, name, err)
	}
	var carries struct {
		Settings json.RawMessage `json:"settings"`
	}
	if json.Unmarshal(raw, &carries); carries.Settings == nil {
		// A spec staged by a spindle submit older than the typed settings,
		// read by a new attempt after an upgrade: its settings are parsed
		// here, once, from what it was submitted with.
		settings, err := conf.AppConfFrom(s.Conf)
		if err != nil {
			return Spec{}, fmt.Errorf("%w: %s: %w", ErrBadSpec, name, err)
		}
		s.Settings = settings
	}
	if err := s.Validate(); err != nil {
		return Spec{}, fmt.Errorf("%w: %s: %w", ErrBadSpec, name, err)
	}
	return s, nil
}

// Validate checks that the job binary and every staged file have a plain
// file name, so that none is placed outside the working dir, that no two
// files share a name, and that each has a URI, a SHA-256 and a size.
func (s Spec) Validate() error {
	if err := checkFileName(s.Application); err != nil {
		return fmt.Errorf("application: %w", err)
	}
	seen := make(map[string]bool, len(s.Resources))
	for i, r := range s.Resources {
		if err := checkFileName(r.Name); err != nil {
			return fmt.Errorf("resources[%d]: %w", i, err)
		}
		if seen[r.Name] {
			return fmt.Errorf("resources[%d]: %q is staged twice", i, r.Name)
		}
		seen[r.Name] = true
		switch {
		case r.URI == "":
			return fmt.Errorf("resources[%d] %q: no uri", i, r.Name)
		case !isSHA256(r.SHA256):
			return fmt.Errorf("resources[%d] %q: sha256 %q is not 64 hexadecimal digits", i, r.Name, r.SHA256)
		case r.Size < 0:
			return fmt.Errorf("resources[%d] %q: size %d is negative", i, r.Name, r.Size)
		}
	}
	return nil
}

// JobResource finds the job binary among the staged resources.
func (s Spec) JobResource() (Resource, error) {
	for _, r := range s.Resources {
		if r.Name == s.Application {
			return r, nil
		}
	}
	return Resource{}, fmt.Errorf("launch: the job binary %s is not among the staged files", s.Application)
}

// checkFileName accepts a plain file name: not empty, no directory.
func checkFileName(n string) error {
	if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") {
		return fmt.Errorf("%q is not a plain file name", n)
	}
	return nil
}

// isSHA256 reports whether s is a SHA-256 in hexadecimal.
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// SpecResourceFromEnv returns the launch spec as a resource, when the
// submitter named its staged copy in the environment (EnvSpecURI,
// EnvSpecSHA256, EnvSpecSize).
func SpecResourceFromEnv() []*pb.LocalResource {
	uri := os.Getenv(EnvSpecURI)
	if uri == "" {
		return nil
	}
	size, _ := strconv.ParseInt(os.Getenv(EnvSpecSize), 10, 64)
	return []*pb.LocalResource{{Name: SpecFile, Uri: uri, Sha256: os.Getenv(EnvSpecSHA256), Size: size}}
}
