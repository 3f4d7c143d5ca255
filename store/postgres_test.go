package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
)

// TestPostgresContract runs the contract on a private PostgreSQL server,
// with a new database for each test.
func TestPostgresContract(t *testing.T) {
	srv := testenv.StartPostgresServer(t)
	runContract(t, func(t *testing.T) opener {
		url := srv.NewDatabase(t)
		return func(t *testing.T) store.Store {
			s, err := store.OpenPostgres(context.Background(), url)
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			return s
		}
	})
}

// Processes that start together create the schema at the same moment,
// and the advisory lock lets every one of them succeed.
func TestOpenPostgresConcurrently(t *testing.T) {
	url := testenv.StartPostgres(t)
	const n = 6
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := store.OpenPostgres(context.Background(), url)
			if assert.NoError(t, err, "open %d", i) {
				s.Close()
			}
		}(i)
	}
	wg.Wait()
}

func TestOpenPostgresErrorsHidePassword(t *testing.T) {
	closed := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	for name, url := range map[string]string{
		"unreachable":  "postgres://app:s3cret@" + closed + "/batches?sslmode=disable&connect_timeout=5",
		"bad port":     "postgres://app:s3cret@127.0.0.1:port/batches",
		"wrong scheme": "mysql://app:s3cret@127.0.0.1/batches",
		"bad option":   "postgresql://app:s3cret@" + closed + "/batches?sslmode=sometimes",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := store.OpenPostgres(context.Background(), url)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "s3cret")
			assert.Contains(t, err.Error(), "PostgreSQL store")
		})
	}
}
