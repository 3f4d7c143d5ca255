package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/config"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
)

func TestOpenStoreUsesSQLiteWithoutURL(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	path := filepath.Join(t.TempDir(), "batches.db")
	st, err := app.OpenStore(context.Background(), config.Config{StorePath: path}, zap.New(core))
	require.NoError(t, err)
	defer st.Close()

	assert.IsType(t, &store.SQLite{}, st)
	entries := logs.FilterMessage("store opened").All()
	require.Len(t, entries, 1)
	assert.Equal(t, "sqlite", entries[0].ContextMap()["store_backend"])
	assert.Equal(t, path, entries[0].ContextMap()["store_path"])
}

func TestOpenStoreUsesPostgresURL(t *testing.T) {
	// The test server trusts every local connection, so it accepts this
	// password without checking it, and the log must still leave it out.
	url := strings.Replace(testenv.StartPostgres(t), "postgres@", "postgres:s3cret@", 1)
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := config.Config{StoreURL: url, StorePath: filepath.Join(t.TempDir(), "unused.db")}
	st, err := app.OpenStore(context.Background(), cfg, zap.New(core))
	require.NoError(t, err)
	defer st.Close()

	assert.IsType(t, &store.Postgres{}, st)
	_, created, err := st.CreateBatch(context.Background(), store.Batch{ID: "b1"}, nil)
	require.NoError(t, err)
	assert.True(t, created)

	entries := logs.FilterMessage("store opened").All()
	require.Len(t, entries, 1)
	fields := entries[0].ContextMap()
	assert.Equal(t, "postgres", fields["store_backend"])
	assert.Contains(t, fields["store_host"], "127.0.0.1:")
	assert.Equal(t, "test_1", fields["store_database"])
	for _, e := range logs.All() {
		assert.NotContains(t, fmt.Sprint(e.Message, e.ContextMap()), "s3cret")
	}
}

func TestOpenStoreReportsUnreachablePostgres(t *testing.T) {
	url := fmt.Sprintf("postgres://app:s3cret@127.0.0.1:%d/batches?sslmode=disable", testenv.FreePort(t))
	_, err := app.OpenStore(context.Background(), config.Config{StoreURL: url}, zap.NewNop())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `connect to PostgreSQL store host "127.0.0.1:`)
	assert.NotContains(t, err.Error(), "s3cret")
}
