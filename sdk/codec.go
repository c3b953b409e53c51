package sdk

import (
	"encoding/binary"
	"fmt"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// codec is the gRPC codec of the job plugin's calls. Its wire format is
// protobuf, the same as gRPC's own codec, which it hands every message
// but the two that carry a partition's columns. For those it spares a
// copy of the partition's data on each side:
//
//   - Marshal leaves the large bytes columns (keys and values) out of the
//     message it encodes and appends them as a second occurrence of the
//     columns' message field, which protobuf parsers merge into the
//     first; the columns go to the transport as they are, uncopied. It
//     takes the columns out of the message while it encodes it and puts
//     them back; the sdk builds each such message for one call and shares
//     it with nothing.
//   - Unmarshal copies the message out of the transport's buffers once,
//     into a buffer of its own, which the large columns then share
//     rather than being copied again.
type codec struct{}

var _ encoding.CodecV2 = codec{}

// protoCodec is gRPC's own protobuf codec.
var protoCodec = encoding.GetCodecV2(grpcproto.Name)

// Name is protobuf's, since the wire format is protobuf.
func (codec) Name() string { return grpcproto.Name }

// pooledRequest is a partition request whose key and value columns come
// from columnBuffers; the codec gives the columns back to the pool once
// the transport has written them, and after that the message must not be
// used. It embeds the message, so that any protobuf codec encodes it,
// though only this one gives the columns back.
type pooledRequest struct{ *jobpb.ProcessPartitionRequest }

// pooledResponse is to a response what pooledRequest is to a request.
type pooledResponse struct {
	*jobpb.ProcessPartitionResponse
}

// Marshal encodes v, leaving v as it found it.
func (codec) Marshal(v any) (mem.BufferSlice, error) {
	switch m := v.(type) {
	case *pooledRequest:
		return marshalRequest(m.ProcessPartitionRequest, &columnBuffers)
	case *jobpb.ProcessPartitionRequest:
		return marshalRequest(m, nil)
	case *pooledResponse:
		return marshalResponse(m.ProcessPartitionResponse, &columnBuffers)
	case *jobpb.ProcessPartitionResponse:
		return marshalResponse(m, nil)
	}
	return protoCodec.Marshal(v)
}

// marshalRequest encodes m with its record columns detached, giving them
// back to pool, if not nil, once written.
func marshalRequest(m *jobpb.ProcessPartitionRequest, pool *bufferPool) (mem.BufferSlice, error) {
	cols := m.GetRecords()
	if cols == nil {
		return protoCodec.Marshal(m)
	}
	keys, values := cols.Keys, cols.Values
	cols.Keys, cols.Values = nil, nil
	defer func() { cols.Keys, cols.Values = keys, values }()
	return marshalDetached(m, recordsField, pool, detached{recordKeysField, keys}, detached{recordValuesField, values})
}

// marshalResponse encodes m with its output columns detached, giving them
// back to pool, if not nil, once written.
func marshalResponse(m *jobpb.ProcessPartitionResponse, pool *bufferPool) (mem.BufferSlice, error) {
	cols := m.GetOutputs()
	if cols == nil {
		return protoCodec.Marshal(m)
	}
	keys, values := cols.Keys, cols.Values
	cols.Keys, cols.Values = nil, nil
	defer func() { cols.Keys, cols.Values = keys, values }()
	return marshalDetached(m, outputsField, pool, detached{outputKeysField, keys}, detached{outputValuesField, values})
}

// The numbers of the fields that hold the columns, and of the columns
// that travel detached.
var (
	recordsField      = fieldNumber(&jobpb.ProcessPartitionRequest{}, "records")
	recordKeysField   = fieldNumber(&jobpb.Records{}, "keys")
	recordValuesField = fieldNumber(&jobpb.Records{}, "values")
	outputsField      = fieldNumber(&jobpb.ProcessPartitionResponse{}, "outputs")
	outputKeysField   = fieldNumber(&jobpb.Outputs{}, "keys")
	outputValuesField = fieldNumber(&jobpb.Outputs{}, "values")
)

func fieldNumber(m proto.Message, name protoreflect.Name) protowire.Number {
	return m.ProtoReflect().Descriptor().Fields().ByName(name).Number()
}

// detached is a bytes field left out of a message's encoding: its field
// number in the columns' message, and its value.
type detached struct {
	num   protowire.Number
	bytes []byte
}

// marshalDetached encodes m, whose field num holds a message from which
// the fields in cols have been taken out, followed by a second occurrence
// of field num holding only those fields, which go to the transport as
// they are and, when pool is not nil, back to pool once written.
func marshalDetached(m proto.Message, num protowire.Number, pool *bufferPool, cols ...detached) (mem.BufferSlice, error) {
	// Room for the framing of the detached columns: a tag and a length
	// for the columns' message and for each column.
	const framing = 3 * (binary.MaxVarintLen32 + binary.MaxVarintLen64)
	size := proto.Size(m)
	head, err := proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(make([]byte, 0, size+framing), m)
	if err != nil {
		return nil, err
	}
	inner := 0
	for _, c := range cols {
		if len(c.bytes) > 0 {
			inner += protowire.SizeTag(c.num) + protowire.SizeBytes(len(c.bytes))
		}
	}
	if inner == 0 {
		return mem.BufferSlice{mem.SliceBuffer(head)}, nil
	}
	head = protowire.AppendTag(head, num, protowire.BytesType)
	head = protowire.AppendVarint(head, uint64(inner))
	out := mem.BufferSlice{}
	for _, c := range cols {
		if len(c.bytes) == 0 {
			continue
		}
		head = protowire.AppendTag(head, c.num, protowire.BytesType)
		head = protowire.AppendVarint(head, uint64(len(c.bytes)))
		col := mem.Buffer(mem.SliceBuffer(c.bytes))
		if pool != nil {
			b := c.bytes
			col = mem.NewBuffer(&b, pool)
		}
		out = append(out, mem.SliceBuffer(head), col)
		head = nil
	}
	return out, nil
}

// Unmarshal decodes data into v.
func (codec) Unmarshal(data mem.BufferSlice, v any) error {
	switch m := v.(type) {
	case *jobpb.ProcessPartitionRequest:
		keys, values, err := unmarshalDetached(data, m, columnSplit{recordsField, recordKeysField, recordValuesField})
		if err != nil {
			return err
		}
		if m.Records != nil {
			m.Records.Keys, m.Records.Values = keys, values
		}
		return nil
	case *jobpb.ProcessPartitionResponse:
		keys, values, err := unmarshalDetached(data, m, columnSplit{outputsField, outputKeysField, outputValuesField})
		if err != nil {
			return err
		}
		if m.Outputs != nil {
			m.Outputs.Keys, m.Outputs.Values = keys, values
		}
		return nil
	}
	return protoCodec.Unmarshal(data, v)
}

// unmarshalDetached decodes data into m, except for the key and value
// columns that c names, which it returns as slices of a buffer of their
// own rather than as copies: the transport reuses data's buffers, and
// protobuf would copy the columns out of them once more.
func unmarshalDetached(data mem.BufferSlice, m proto.Message, c columnSplit) (keys, values []byte, err error) {
	rest, keys, values, err := c.split(data.Materialize())
	if err != nil {
		return nil, nil, fmt.Errorf("sdk: unmarshal %T: %w", m, err)
	}
	if err := proto.Unmarshal(rest, m); err != nil {
		return nil, nil, fmt.Errorf("sdk: unmarshal %T: %w", m, err)
	}
	return keys, values, nil
}

// columnSplit names the field of a message that holds columns (num), and
// the two bytes columns in it that travel detached.
type columnSplit struct {
	num, keys, values protowire.Number
}

// detached tells a detached column: a bytes field with the number of one.
// A field with another wire type is, as protobuf has it, an unknown field.
func (c columnSplit) detached(num protowire.Number, typ protowire.Type) bool {
	return typ == protowire.BytesType && (num == c.keys || num == c.values)
}

// split takes the detached columns out of the message encoded in buf. It
// returns the encoding of the rest, and the columns as slices of buf. The
// columns keep protobuf's meaning: where one occurs more than once, in one
// occurrence of field num or in several, the last occurrence counts, and
// an empty column is nil.
func (c columnSplit) split(buf []byte) (rest, keys, values []byte, err error) {
	// The first walk checks the framing, finds the columns and measures
	// the rest; the second copies the rest.
	size := 0
	for b := buf; len(b) > 0; {
		num, typ, field, content, err := nextField(b)
		if err != nil {
			return nil, nil, nil, err
		}
		b = b[len(field):]
		if num != c.num || typ != protowire.BytesType {
			size += len(field)
			continue
		}
		kept := 0
		for ib := content; len(ib) > 0; {
			cnum, ctyp, cfield, ccontent, err := nextField(ib)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("field %d: %w", num, err)
			}
			ib = ib[len(cfield):]
			switch {
			case !c.detached(cnum, ctyp):
				kept += len(cfield)
			case cnum == c.keys:
				keys = ccontent
			default:
				values = ccontent
			}
		}
		size += protowire.SizeTag(num) + protowire.SizeBytes(kept)
	}
	rest = make([]byte, 0, size)
	for b := buf; len(b) > 0; {
		num, typ, field, content, _ := nextField(b)
		b = b[len(field):]
		if num != c.num || typ != protowire.BytesType {
			rest = append(rest, field...)
			continue
		}
		kept := 0
		for ib := content; len(ib) > 0; {
			cnum, ctyp, cfield, _, _ := nextField(ib)
			ib = ib[len(cfield):]
			if !c.detached(cnum, ctyp) {
				kept += len(cfield)
			}
		}
		rest = protowire.AppendTag(rest, num, protowire.BytesType)
		rest = protowire.AppendVarint(rest, uint64(kept))
		for ib := content; len(ib) > 0; {
			cnum, ctyp, cfield, _, _ := nextField(ib)
			ib = ib[len(cfield):]
			if !c.detached(cnum, ctyp) {
				rest = append(rest, cfield...)
			}
		}
	}
	if len(keys) == 0 {
		keys = nil
	}
	if len(values) == 0 {
		values = nil
	}
	return rest, keys, values, nil
}

// nextField reads the first field encoded in b: its number and wire type,
// its whole encoding, and for a length-delimited field its content.
func nextField(b []byte) (num protowire.Number, typ protowire.Type, field, content []byte, err error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return 0, 0, nil, nil, protowire.ParseError(n)
	}
	m := protowire.ConsumeFieldValue(num, typ, b[n:])
	if m < 0 {
		return 0, 0, nil, nil, fmt.Errorf("field %d: %w", num, protowire.ParseError(m))
	}
	if typ == protowire.BytesType {
		content, _ = protowire.ConsumeBytes(b[n:])
	}
	return num, typ, b[:n+m], content, nil
}
