package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/api"
)

type seen struct {
	method, path string
	body         []byte
}

func fakeEndpoint(t *testing.T, status int, answer string) (*httptest.Server, *[]seen) {
	t.Helper()
	var calls []seen
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls = append(calls, seen{r.Method, r.URL.RequestURI(), body})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(answer))
	}))
	t.Cleanup(hs.Close)
	return hs, &calls
}

func TestCommandsCallTheEndpoint(t *testing.T) {
	hs, calls := fakeEndpoint(t, http.StatusOK, `{"BatchId":"b1"}`)
	row := filepath.Join(t.TempDir(), "row.json")
	require.NoError(t, os.WriteFile(row, []byte(`{"AliasNumber":"123"}`), 0o644))

	tests := []struct {
		args       []string
		wantMethod string
		wantPath   string
	}{
		{[]string{"status", "b1", "-limit", "5"}, http.MethodGet, "/batches/b1?offset=0&limit=5"},
		{[]string{"report", "b1"}, http.MethodGet, "/batches/b1/report.csv"},
		{[]string{"failed", "b1", "-format", "json"}, http.MethodGet, "/batches/b1/failed.json"},
		{[]string{"retry", "b1", "-index", "3", "-index", "7", "-fix", "7=" + row}, http.MethodPost, "/batches/b1/retry"},
		{[]string{"pause", "b1", "-reason", "check"}, http.MethodPost, "/batches/b1/pause"},
		{[]string{"resume", "b1"}, http.MethodPost, "/batches/b1/resume"},
		{[]string{"cancel", "b1"}, http.MethodPost, "/batches/b1/cancel"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), append([]string{"-url", hs.URL}, tt.args...), &out), "%v", tt.args)
		last := (*calls)[len(*calls)-1]
		assert.Equal(t, tt.wantMethod, last.method, "%v", tt.args)
		assert.Equal(t, tt.wantPath, last.path, "%v", tt.args)
		assert.Contains(t, out.String(), `"BatchId": "b1"`)
	}

	var retry api.RetryBody
	require.NoError(t, json.Unmarshal((*calls)[3].body, &retry))
	assert.Equal(t, []int{3, 7}, retry.Indexes)
	require.Len(t, retry.Corrections, 1)
	assert.Equal(t, 7, retry.Corrections[0].Index)
	assert.JSONEq(t, `{"AliasNumber":"123"}`, string(retry.Corrections[0].Row))
}

func TestErrorAnswerIsShown(t *testing.T) {
	hs, _ := fakeEndpoint(t, http.StatusBadRequest, `{"ResponseStatus":{"ErrorCode":"Invalid","Message":"customer 0 is created, not failed",
		"Errors":[{"ErrorCode":"Invalid","FieldName":"Indexes[0]","Message":"customer 0 is created, not failed"}]}}`)
	err := run(context.Background(), []string{"-url", hs.URL, "retry", "b1", "-index", "0"}, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "400 Bad Request")
	assert.Contains(t, err.Error(), "Indexes[0]: customer 0 is created, not failed")
}

func TestUsageMistakes(t *testing.T) {
	for _, args := range [][]string{
		{"status"},
		{"explode", "b1"},
		{"retry", "b1"},
		{"failed", "b1", "-format", "csv"},
	} {
		err := run(context.Background(), args, io.Discard)
		require.Error(t, err, "%v", args)
		assert.Contains(t, err.Error(), "usage: batchctl", "%v", args)
	}
	err := run(context.Background(), []string{"retry", "b1", "-index", "x"}, io.Discard)
	assert.ErrorContains(t, err, "whole number")
}
