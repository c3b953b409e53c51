package token

import (
	"context"
	"crypto/hmac"
	"encoding/base64"

	"google.golang.org/grpc/metadata"
)

// ClientSecretMetadataKey is the gRPC metadata key that carries the client
// secret on submit and kill calls when the RM requires one.
const ClientSecretMetadataKey = "spindle-client-secret"

// WithClientSecret returns a context whose outgoing calls carry secret.
func WithClientSecret(ctx context.Context, secret []byte) context.Context {
	if len(secret) == 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, ClientSecretMetadataKey, base64.StdEncoding.EncodeToString(secret))
}

// CheckClientSecret reports whether an incoming call carries want.
func CheckClientSecret(ctx context.Context, want []byte) bool {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get(ClientSecretMetadataKey)
	if len(vals) == 0 {
		return false
	}
	return CheckClientSecretValue(vals[0], want)
}

// CheckClientSecretValue reports whether value, the client secret in
// base64 as the metadata (and the RM's web API's ClientSecretMetadataKey
// header) carry it, is want.
func CheckClientSecretValue(value string, want []byte) bool {
	got, err := base64.StdEncoding.DecodeString(value)
	return err == nil && len(want) > 0 && hmac.Equal(got, want)
}
