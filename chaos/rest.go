package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spindlehq/spindle/pki"
)

// restTimeout bounds one REST call: a daemon that is down answers at once
// (connection refused), one that hangs must not stall the sampling.
const restTimeout = 2 * time.Second

// restClient reads the RM's and NMs' REST endpoints.
type restClient struct {
	http   *http.Client
	scheme string
}

// newRESTClient reads the daemons' REST endpoints as the user of tls; nil
// reads plain-text endpoints.
func newRESTClient(tls *pki.Material) *restClient {
	return &restClient{http: pki.HTTPClient(tls, restTimeout), scheme: pki.Scheme(tls)}
}

// get decodes the JSON at https://addr/path into v.
func (c *restClient) get(ctx context.Context, addr, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.scheme+"://"+addr+path, nil)
	if err != nil {
		return fmt.Errorf("chaos: GET %s%s: %w", addr, path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("chaos: GET %s%s: %w", addr, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("chaos: GET %s%s: %s: %s", addr, path, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("chaos: GET %s%s: decode: %w", addr, path, err)
	}
	return nil
}

// appInfo is the part of /ws/v1/cluster/apps/{id} a run reads.
type appInfo struct {
	State       string `json:"state"`
	FinalStatus string `json:"finalStatus"`
	Diagnostics string `json:"diagnostics"`
}

// app returns the RM's report of appID.
func (c *restClient) app(ctx context.Context, rmWeb, appID string) (appInfo, error) {
	var body struct {
		App appInfo `json:"app"`
	}
	err := c.get(ctx, rmWeb, "/ws/v1/cluster/apps/"+appID, &body)
	return body.App, err
}

// attemptInfo is one attempt of /ws/v1/cluster/apps/{id}/appattempts.
type attemptInfo struct {
	ID          int64  `json:"id"`
	ContainerID string `json:"containerId"`
	NodeID      string `json:"nodeId"`
	State       string `json:"appAttemptState"`
}

// attempts returns appID's attempts, oldest first.
func (c *restClient) attempts(ctx context.Context, rmWeb, appID string) ([]attemptInfo, error) {
	var body struct {
		AppAttempts struct {
			AppAttempt []attemptInfo `json:"appAttempt"`
		} `json:"appAttempts"`
	}
	err := c.get(ctx, rmWeb, "/ws/v1/cluster/apps/"+appID+"/appattempts", &body)
	return body.AppAttempts.AppAttempt, err
}

// nodeInfo is one node of /ws/v1/cluster/nodes.
type nodeInfo struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// nodes returns every node the RM knows, in any state.
func (c *restClient) nodes(ctx context.Context, rmWeb string) ([]nodeInfo, error) {
	var body struct {
		Nodes struct {
			Node []nodeInfo `json:"node"`
		} `json:"nodes"`
	}
	err := c.get(ctx, rmWeb, "/ws/v1/cluster/nodes", &body)
	return body.Nodes.Node, err
}

// containerInfo is one container of an NM's /ws/v1/node/containers.
type containerInfo struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	NodeID string `json:"nodeId"`
	PID    int    `json:"pid"`
}

// containers returns the containers an NM knows.
func (c *restClient) containers(ctx context.Context, nmWeb string) ([]containerInfo, error) {
	var body struct {
		Containers struct {
			Container []containerInfo `json:"container"`
		} `json:"containers"`
	}
	err := c.get(ctx, nmWeb, "/ws/v1/node/containers", &body)
	return body.Containers.Container, err
}
