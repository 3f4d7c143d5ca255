package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/store"
)

// A large request waits while another large one is being accepted; a small
// one does not.
func TestLargeRequestsTakeTurns(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "batches.db"))
	require.NoError(t, err)
	defer st.Close()
	s := New(Options{MaxBodyBytes: 64 << 20, MaxCustomers: 10}, st, nil, zap.NewNop())
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	post := func(size int) <-chan int {
		done := make(chan int, 1)
		go func() {
			// White space only: an empty request, rejected by validation
			// once it has been read.
			resp, err := http.Post(srv.URL+"/BatchCreateCustomers", "application/xml",
				bytes.NewReader(bytes.Repeat([]byte(" "), size)))
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		return done
	}

	s.large <- struct{}{} // a large request in progress
	large := post(largeBody + 1)
	small := post(1000)
	assert.Equal(t, http.StatusBadRequest, <-small, "a small request is not held up")
	select {
	case code := <-large:
		t.Fatalf("the large request finished (%d) while another was accepted", code)
	case <-time.After(300 * time.Millisecond):
	}
	<-s.large
	assert.Equal(t, http.StatusBadRequest, <-large)
}
