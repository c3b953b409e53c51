package appmaster

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/shuffle"
)

// newShuffleSecret makes the attempt's shuffle secret: its executors sign
// their fetches of map outputs with it, and each NodeManager's
// spark_shuffle service learns it from the service data of the executor
// containers the AM starts there.
func newShuffleSecret() ([]byte, error) {
	b := make([]byte, shuffle.SecretBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("appmaster: shuffle secret: %w", err)
	}
	return b, nil
}

// withShuffleSecret gives an executor's launch context the secret.
func withShuffleSecret(lc *pb.ContainerLaunchContext, secret []byte) {
	lc.Environment[launch.EnvShuffleSecret] = base64.StdEncoding.EncodeToString(secret)
	lc.ServiceData = map[string][]byte{shuffle.ServiceName: secret}
}
