// Package codec encrypts Temporal payloads with AES-256-GCM, so that the
// data in workflow histories (inputs, results, memos, failure details)
// is unreadable to anyone with access to the Temporal database but not
// to a key. Each payload names the key that encrypted it, so keys can be
// rotated: new payloads use the current key, old ones still decrypt.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// Metadata of encrypted payloads.
const (
	// Encoding marks a payload this codec encrypted.
	Encoding = "binary/encrypted"
	// MetadataKeyID names the key that encrypted a payload.
	MetadataKeyID = "encryption-key-id"
)

// AESGCM is a converter.PayloadCodec.
type AESGCM struct {
	current string
	keys    map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*AESGCM)(nil)

// New returns a codec that encrypts with the key named current and
// decrypts with any of keys. Keys must be 32 bytes (AES-256).
func New(keys map[string][]byte, current string) (*AESGCM, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("current key %q is not among the keys", current)
	}
	c := &AESGCM{current: current, keys: map[string]cipher.AEAD{}}
	for id, key := range keys {
		if len(key) != 32 {
			return nil, fmt.Errorf("key %q is %d bytes; AES-256 needs 32", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		c.keys[id] = aead
	}
	return c, nil
}

// ParseKeys reads "id:base64key" entries separated by commas or new
// lines; the first entry is the current key. Lines starting with # are
// comments, so the same text works as a key file.
func ParseKeys(spec string) (map[string][]byte, string, error) {
	keys := map[string][]byte{}
	current := ""
	for _, entry := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '\n' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" || strings.HasPrefix(entry, "#") {
			continue
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok || id == "" {
			return nil, "", errors.New("codec keys must be id:base64key entries")
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, "", fmt.Errorf("codec key %q is not base64", id)
		}
		if _, dup := keys[id]; dup {
			return nil, "", fmt.Errorf("codec key id %q appears twice", id)
		}
		keys[id] = key
		if current == "" {
			current = id
		}
	}
	if current == "" {
		return nil, "", errors.New("no codec key given")
	}
	return keys, current, nil
}

// Load builds a codec from inline keys or a key file; both empty gives nil,
// which means payloads are not encrypted.
func Load(inline, file string) (*AESGCM, error) {
	spec := inline
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read codec key file: %w", err)
		}
		spec = string(data)
	}
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	keys, current, err := ParseKeys(spec)
	if err != nil {
		return nil, err
	}
	return New(keys, current)
}

// Encode implements converter.PayloadCodec.
func (c *AESGCM) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.keys[c.current]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := p.Marshal()
		if err != nil {
			return nil, fmt.Errorf("marshal payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("draw nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				MetadataKeyID:              []byte(c.current),
			},
			Data: aead.Seal(nonce, nonce, plain, nil),
		}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec. Payloads that are not
// encrypted pass through, so histories from before encryption still read.
func (c *AESGCM) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.keys[id]
		if !ok {
			return nil, fmt.Errorf("payload encrypted with unknown key %q", id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize() {
			return nil, errors.New("encrypted payload is too short")
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], nil)
		if err != nil {
			return nil, fmt.Errorf("decrypt payload with key %q: %w", id, err)
		}
		var decoded commonpb.Payload
		if err := decoded.Unmarshal(plain); err != nil {
			return nil, fmt.Errorf("unmarshal decrypted payload: %w", err)
		}
		out[i] = &decoded
	}
	return out, nil
}
