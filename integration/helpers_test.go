package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
)

// post sends body to path and returns the status, headers and body.
func post(t *testing.T, s *testenv.Stack, path, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.API.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, data
}

// accept posts a batch to the JSON reply route and returns its id.
func accept(t *testing.T, s *testenv.Stack, contentType string, body []byte) api.AcceptedReply {
	t.Helper()
	path := "/json/reply/BatchCustomerCreation"
	if contentType == "application/xml" {
		path = "/xml/reply/BatchCustomerCreation?format=json"
	}
	status, _, data := post(t, s, path, contentType, body)
	require.Equal(t, http.StatusOK, status, "accept batch: %s", data)
	var reply api.AcceptedReply
	require.NoError(t, json.Unmarshal(data, &reply))
	require.NotEmpty(t, reply.BatchID)
	return reply
}

// report fetches GET /batches/{id} as JSON.
func report(t *testing.T, s *testenv.Stack, id string) api.BatchReport {
	t.Helper()
	resp, err := http.Get(s.API.URL + "/batches/" + id + "?limit=10000")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var rep api.BatchReport
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rep))
	return rep
}

// waitDone polls the report until the batch reaches a final state.
func waitDone(t *testing.T, s *testenv.Stack, id string, timeout time.Duration) api.BatchReport {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rep := report(t, s, id)
		switch rep.State {
		case store.StateCompleted, store.StateCompletedWithErrors, store.StateCancelled:
			return rep
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %s still %s after %s: %+v", id, rep.State, timeout, rep.Counts)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../samples/" + name)
	require.NoError(t, err)
	return data
}

func state(t *testing.T, s *testenv.Stack) *emulator.State {
	t.Helper()
	st, err := s.Emulator.Admin.State(context.Background())
	require.NoError(t, err)
	return st
}
