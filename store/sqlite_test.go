package store_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/store"
)

func TestSQLiteContract(t *testing.T) {
	runContract(t, func(t *testing.T) opener {
		path := filepath.Join(t.TempDir(), "batches.db")
		return func(t *testing.T) store.Store {
			s, err := store.OpenSQLite(path)
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			return s
		}
	})
}
