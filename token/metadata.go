package token

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/spindlehq/spindle/api/spindlepb"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// AttemptMetadataKey is the gRPC metadata key that carries an AM's attempt
// token on every ApplicationMaster call.
const AttemptMetadataKey = "spindle-attempt-token"

// WithAttempt returns a context whose outgoing gRPC calls carry tok.
func WithAttempt(ctx context.Context, tok *spindlepb.Token) (context.Context, error) {
	raw, err := proto.Marshal(tok)
	if err != nil {
		return nil, fmt.Errorf("token: encode attempt token: %w", err)
	}
	return metadata.AppendToOutgoingContext(ctx, AttemptMetadataKey, base64.StdEncoding.EncodeToString(raw)), nil
}

// AttemptFromIncoming extracts the attempt token from an incoming call.
func AttemptFromIncoming(ctx context.Context) (*spindlepb.Token, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get(AttemptMetadataKey)
	if len(vals) == 0 {
		return nil, ErrMissing
	}
	raw, err := base64.StdEncoding.DecodeString(vals[0])
	if err != nil {
		return nil, fmt.Errorf("%w: attempt token is not base64: %v", ErrMalformed, err)
	}
	tok := &spindlepb.Token{}
	if err := proto.Unmarshal(raw, tok); err != nil {
		return nil, fmt.Errorf("%w: attempt token: %v", ErrMalformed, err)
	}
	return tok, nil
}
