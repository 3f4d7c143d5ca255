package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/portaplus2/batchcustomers/app"
)

// Histories recorded from real runs of earlier releases must replay on
// today's code: a change that breaks them would strand running batches
// after a deploy, and needs workflow.GetVersion. The files without a
// prefix predate the local-bookkeeping change, those named
// local-bookkeeping-* were recorded after it, and those named row-names-*
// after the batch workflow began to hand customers their logins. Record
// new ones with RECORD_HISTORIES=/tmp/histories go test ./integration/,
// then copy them here under a prefix that names the change.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in testdata/histories")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			app.RegisterWorkflows(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}
