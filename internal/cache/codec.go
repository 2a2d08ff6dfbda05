package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// magic opens every encoded record: a format version a later zisi can
// refuse, then the payload's SHA-256 in hex and a newline.
const magic = "zisi-cache 1\n"

// ErrCorrupt is returned for a record that does not decode: truncated,
// changed after it was written, or written by another format.
var ErrCorrupt = errors.New("corrupt cache record")

// Encode frames payload as a record that Decode verifies.
func Encode(payload []byte) []byte {
	sum := sha256.Sum256(payload)
	out := make([]byte, 0, len(magic)+2*len(sum)+1+len(payload))
	out = append(out, magic...)
	out = hex.AppendEncode(out, sum[:])
	out = append(out, '\n')
	return append(out, payload...)
}

// Decode returns the payload of a record made by Encode, or ErrCorrupt
// when the record is truncated, altered or of another format.
func Decode(record []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(record, []byte(magic))
	if !ok {
		return nil, fmt.Errorf("%w: not a zisi cache record (or one of another version)", ErrCorrupt)
	}
	const hexLen = 2 * sha256.Size
	if len(rest) < hexLen+1 || rest[hexLen] != '\n' {
		return nil, fmt.Errorf("%w: truncated header", ErrCorrupt)
	}
	var want [sha256.Size]byte
	if _, err := hex.Decode(want[:], rest[:hexLen]); err != nil {
		return nil, fmt.Errorf("%w: bad checksum field", ErrCorrupt)
	}
	payload := rest[hexLen+1:]
	if sha256.Sum256(payload) != want {
		return nil, fmt.Errorf("%w: checksum mismatch (%d payload bytes)", ErrCorrupt, len(payload))
	}
	return payload, nil
}
