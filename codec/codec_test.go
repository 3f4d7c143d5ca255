package codec_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/portaplus2/batchcustomers/codec"
)

func key(t *testing.T) string {
	t.Helper()
	k := make([]byte, 32)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(k)
}

func TestEncryptsAndRotates(t *testing.T) {
	k1, k2 := key(t), key(t)
	old, err := codec.Load("k1:"+k1, "")
	require.NoError(t, err)
	dc := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), old)
	p, err := dc.ToPayload(map[string]string{"password": "Vq8#tR2m!Lk5wZ"})
	require.NoError(t, err)
	assert.NotContains(t, string(p.GetData()), "Vq8#", "the payload is encrypted")
	assert.Equal(t, "binary/encrypted", string(p.GetMetadata()["encoding"]))
	assert.Equal(t, "k1", string(p.GetMetadata()["encryption-key-id"]))

	// After rotation k2 encrypts, and k1's payloads still decrypt.
	rotated, err := codec.Load("k2:"+k2+"\n# old key\nk1:"+k1, "")
	require.NoError(t, err)
	dc2 := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), rotated)
	var got map[string]string
	require.NoError(t, dc2.FromPayload(p, &got))
	assert.Equal(t, "Vq8#tR2m!Lk5wZ", got["password"])
	p2, err := dc2.ToPayload("x")
	require.NoError(t, err)
	assert.Equal(t, "k2", string(p2.GetMetadata()["encryption-key-id"]))

	// A payload that was never encrypted passes through.
	plain, err := converter.GetDefaultDataConverter().ToPayload("plain")
	require.NoError(t, err)
	var s string
	require.NoError(t, dc2.FromPayload(plain, &s))
	assert.Equal(t, "plain", s)

	// Without its key a payload cannot be read.
	other, err := codec.Load("k3:"+key(t), "")
	require.NoError(t, err)
	_, err = other.Decode([]*commonpb.Payload{p})
	assert.ErrorContains(t, err, `unknown key "k1"`)
}

func TestBadKeys(t *testing.T) {
	for _, spec := range []string{"k1", "k1:notbase64!", "k1:" + base64.StdEncoding.EncodeToString([]byte("short")), ":abc"} {
		_, err := codec.Load(spec, "")
		assert.Error(t, err, spec)
	}
	c, err := codec.Load("", "")
	require.NoError(t, err)
	assert.Nil(t, c, "no keys means no encryption")
}

func TestCodecServerNeedsToken(t *testing.T) {
	c, err := codec.Load("k1:"+key(t), "")
	require.NoError(t, err)
	hs := httptest.NewServer(http.StripPrefix("/codec", codec.Handler(c, "http://localhost:8233", "op-token")))
	defer hs.Close()
	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"hi"`)}})
	require.NoError(t, err)
	body, err := json.Marshal(map[string]any{"payloads": []any{map[string]any{
		"metadata": map[string]string{
			"encoding":          base64.StdEncoding.EncodeToString(enc[0].Metadata["encoding"]),
			"encryption-key-id": base64.StdEncoding.EncodeToString(enc[0].Metadata["encryption-key-id"]),
		},
		"data": base64.StdEncoding.EncodeToString(enc[0].Data),
	}}})
	require.NoError(t, err)

	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/codec/decode", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	req, _ = http.NewRequest(http.MethodPost, hs.URL+"/codec/decode", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer op-token")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "http://localhost:8233", resp.Header.Get("Access-Control-Allow-Origin"))
	var out struct {
		Payloads []struct {
			Data string `json:"data"`
		} `json:"payloads"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Len(t, out.Payloads, 1)
	data, err := base64.StdEncoding.DecodeString(out.Payloads[0].Data)
	require.NoError(t, err)
	assert.Equal(t, `"hi"`, string(data))

	pre, _ := http.NewRequest(http.MethodOptions, hs.URL+"/codec/decode", nil)
	resp2, err := http.DefaultClient.Do(pre)
	require.NoError(t, err)
	resp2.Body.Close()
	assert.Equal(t, http.StatusOK, resp2.StatusCode)
	assert.True(t, strings.Contains(resp2.Header.Get("Access-Control-Allow-Headers"), "X-Namespace"))
}
