package testenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/portaplus2/batchcustomers/app"
)

// ExportHistory returns the history of the latest run of a workflow as
// JSON, in the format of `temporal workflow show --output json`.
func ExportHistory(t testing.TB, c client.Client, workflowID string) []byte {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	var h historypb.History
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, ev)
	}
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	require.NoError(t, err)
	return data
}

// SaveHistory writes a workflow's history to name.json in t's temporary
// folder and returns the path. When RECORD_HISTORIES names a folder, it
// also writes the file there: that is how the replay test's recorded
// histories of a release are made.
func SaveHistory(t testing.TB, c client.Client, workflowID, name string) string {
	t.Helper()
	data := ExportHistory(t, c, workflowID)
	path := filepath.Join(t.TempDir(), name+".json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	if dir := os.Getenv("RECORD_HISTORIES"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644))
	}
	return path
}

// Replay replays an exported history on today's workflow code and fails
// the test on any nondeterminism.
func Replay(t testing.TB, path string) {
	t.Helper()
	r := worker.NewWorkflowReplayer()
	app.RegisterWorkflows(r)
	require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, path), "replay %s", path)
}
