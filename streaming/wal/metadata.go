package wal

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// BlockInfo is what the driver records of a block a receiver stored
// (Spark's ReceivedBlockInfo).
type BlockInfo struct {
	// ID names the block.
	ID string `json:"id"`
	// StreamID is the receiver's stream.
	StreamID int `json:"stream"`
	// Records is how many records the block holds.
	Records int64 `json:"records"`
	// Path is the block's file in the receivers' log; "" when the block
	// lives only in its executor's memory.
	Path string `json:"path,omitempty"`
	// Executor is the executor that holds the block in memory.
	Executor string `json:"executor,omitempty"`
	// Seq is the driver's order of arrival, from 1: batches take blocks
	// in it.
	Seq uint64 `json:"seq"`
}

// metadataBody is a metadata file's JSON body; its field names are the
// format.
type metadataBody struct {
	Blocks []BlockInfo `json:"blocks"`
}

// EncodeMetadata returns the content of a metadata file holding infos.
func EncodeMetadata(infos []BlockInfo) ([]byte, error) {
	if err := checkInfos(infos); err != nil {
		return nil, err
	}
	body, err := json.Marshal(metadataBody{Blocks: infos})
	if err != nil {
		return nil, fmt.Errorf("wal: encode block metadata: %w", err)
	}
	return frame(metadataMagic, body), nil
}

// DecodeMetadata reads a metadata file; anything but one written by
// EncodeMetadata wraps ErrCorrupt.
func DecodeMetadata(data []byte) ([]BlockInfo, error) {
	body, err := unframe(metadataMagic, data)
	if err != nil {
		return nil, err
	}
	var m metadataBody
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: block metadata: %v", ErrCorrupt, err)
	}
	if err := checkInfos(m.Blocks); err != nil {
		return nil, err
	}
	return m.Blocks, nil
}

// checkInfos checks a group of block records: at least one, sequence
// numbers rising, fields in range.
func checkInfos(infos []BlockInfo) error {
	if len(infos) == 0 {
		return fmt.Errorf("%w: block metadata without blocks", ErrCorrupt)
	}
	for i, b := range infos {
		if err := CheckBlockID(b.ID); err != nil {
			return err
		}
		switch {
		case b.StreamID < 0 || b.StreamID > maxStreamID:
			return fmt.Errorf("%w: block %s: stream id %d", ErrCorrupt, b.ID, b.StreamID)
		case b.Records < 0:
			return fmt.Errorf("%w: block %s: %d records", ErrCorrupt, b.ID, b.Records)
		case b.Seq == 0 || i > 0 && b.Seq <= infos[i-1].Seq:
			return fmt.Errorf("%w: block %s: sequence number %d out of order", ErrCorrupt, b.ID, b.Seq)
		case !utf8.ValidString(b.Path) || !utf8.ValidString(b.Executor):
			return fmt.Errorf("%w: block %s: path or executor is not UTF-8", ErrCorrupt, b.ID)
		}
	}
	return nil
}
