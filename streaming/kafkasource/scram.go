package kafkasource

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/IBM/sarama"
	"github.com/xdg-go/scram"
)

// maxSCRAMIterations bounds the work a server can ask of the client; Kafka
// allows at most 16384.
const maxSCRAMIterations = 1 << 16

func newSCRAMSHA256() sarama.SCRAMClient { return &scramClient{hash: scram.SHA256} }

func newSCRAMSHA512() sarama.SCRAMClient { return &scramClient{hash: scram.SHA512} }

// scramClient is the client side of SCRAM (RFC 5802, with RFC 7677's
// hashes) for sarama, through github.com/xdg-go/scram. Names and
// passwords are used as given, without SASLprep, as Kafka's Java client
// does. The server's iteration count is bounded before any key is derived.
type scramClient struct {
	hash scram.HashGeneratorFcn
	// nonce replaces the random nonce, for tests.
	nonce func() string

	conv *scram.ClientConversation
	step int
}

// Begin starts an exchange.
func (c *scramClient) Begin(user, password, authzID string) error {
	client, err := c.hash.NewClientUnprepped(user, password, authzID)
	if err != nil {
		return fmt.Errorf("scram: %w", err)
	}
	if c.nonce != nil {
		client = client.WithNonceGenerator(c.nonce)
	}
	c.conv, c.step = client.NewConversation(), 0
	return nil
}

// Step answers one server message: the client-first message for the
// empty challenge, then the proof, then the check of the server's
// signature.
func (c *scramClient) Step(challenge string) (string, error) {
	c.step++
	if e, ok := strings.CutPrefix(challenge, "e="); ok {
		return "", fmt.Errorf("scram: the server refused: %q", e)
	}
	if c.step == 2 {
		if err := checkIterations(challenge); err != nil {
			return "", err
		}
	}
	out, err := c.conv.Step(challenge)
	if err != nil {
		return "", fmt.Errorf("scram: %w", err)
	}
	return out, nil
}

// Done reports whether the exchange is over.
func (c *scramClient) Done() bool { return c.conv != nil && c.conv.Done() }

// checkIterations refuses a server-first message that asks for more than
// maxSCRAMIterations rounds of PBKDF2.
func checkIterations(serverFirst string) error {
	for _, attr := range strings.Split(serverFirst, ",") {
		if v, ok := strings.CutPrefix(attr, "i="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > maxSCRAMIterations {
				return fmt.Errorf("scram: the server asks for %d iterations, more than %d", n, maxSCRAMIterations)
			}
		}
	}
	return nil
}
