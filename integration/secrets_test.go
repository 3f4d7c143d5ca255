package integration_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/portaplus2/batchcustomers/codec"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

// secretsOf lists the passwords and e-mail addresses of a batch.
func secretsOf(b *wire.BatchCustomerCreation) []string {
	out := []string{"admin-secret"}
	for _, row := range b.CustData {
		pi := row.Customer.Customer.PersonalInformation
		out = append(out, pi.Password, row.Customer.Customer.CustomerContact.Email)
		for _, a := range row.Account.AccountRequest.AccountsToCreate {
			out = append(out, a.Password, a.Email)
		}
	}
	return out
}

// payloadTexts decodes every payload in an exported history.
func payloadTexts(t *testing.T, history []byte) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(`"data":\s*"([^"]+)"`).FindAllSubmatch(history, -1) {
		data, err := base64.StdEncoding.DecodeString(string(m[1]))
		require.NoError(t, err)
		out = append(out, string(data))
	}
	return out
}

// With payload encryption on, the raw histories of a batch hold none of
// its passwords, e-mail addresses or customer names; no log line holds a
// password or a token; and the workflows still run.
func TestNoSecretsInHistoriesOrLogs(t *testing.T) {
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	c, err := codec.Load("k1:"+base64.StdEncoding.EncodeToString(key), "")
	require.NoError(t, err)
	core, logs := observer.New(zapcore.DebugLevel)
	s := testenv.StartStack(t, testenv.StackOptions{Codec: c, Log: zap.New(core)})

	body := readSample(t, "batch-3-customers.xml")
	batch, err := wire.DecodeXML(bytes.NewReader(body))
	require.NoError(t, err)
	reply := accept(t, s, "application/xml", body)
	rep := waitDone(t, s, reply.BatchID, 2*time.Minute)
	require.Equal(t, "completed", rep.State)

	secrets := secretsOf(batch)
	ids := []string{reply.WorkflowID}
	for i := range batch.CustData {
		ids = append(ids, workflows.CustomerWorkflowID(reply.BatchID, i, 1))
	}
	for _, id := range ids {
		history := testenv.ExportHistory(t, s.Client, id)
		for _, secret := range secrets {
			assert.NotContains(t, string(history), secret, "history of %s", id)
		}
		for _, text := range payloadTexts(t, history) {
			for _, secret := range secrets {
				assert.NotContains(t, text, secret, "a payload of %s", id)
			}
			for _, row := range batch.CustData {
				assert.NotContains(t, text, row.Customer.Customer.PersonalInformation.Name, "a payload of %s", id)
			}
		}
	}

	entries := logs.All()
	require.NotEmpty(t, entries)
	jwt := regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}`)
	for _, e := range entries {
		line := e.Message + " " + fmt.Sprint(e.ContextMap())
		for _, secret := range secrets {
			assert.NotContains(t, line, secret, "log line %q", e.Message)
		}
		assert.False(t, jwt.MatchString(line), "log line %q holds a token", e.Message)
		assert.NotContains(t, strings.ToLower(line), "bearer ", "log line %q", e.Message)
	}
}

// Without encryption the histories still hold no password or e-mail:
// rows stay in the store and workflows carry only ids and names.
func TestClaimCheckKeepsSecretsOutOfHistories(t *testing.T) {
	s := testenv.StartStack(t, testenv.StackOptions{})
	body := readSample(t, "batch-3-customers.json")
	batch, err := wire.DecodeJSON(bytes.NewReader(body))
	require.NoError(t, err)
	reply := accept(t, s, "application/json", body)
	waitDone(t, s, reply.BatchID, 2*time.Minute)

	secrets := secretsOf(batch)
	for i := -1; i < len(batch.CustData); i++ {
		id := reply.WorkflowID
		if i >= 0 {
			id = workflows.CustomerWorkflowID(reply.BatchID, i, 1)
		}
		var raw map[string]any
		history := testenv.ExportHistory(t, s.Client, id)
		require.NoError(t, json.Unmarshal(history, &raw))
		for _, text := range append(payloadTexts(t, history), string(history)) {
			for _, secret := range secrets {
				assert.NotContains(t, text, secret, "history of %s", id)
			}
		}
	}
}
