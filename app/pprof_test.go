package app_test

import (
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/internal/testenv"
)

func TestServeProfiles(t *testing.T) {
	addr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	stop, err := app.ServeProfiles(addr, zap.NewNop())
	require.NoError(t, err)
	defer stop()

	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "goroutine")

	resp, err = http.Get("http://" + addr + "/debug/pprof/profile?seconds=1")
	require.NoError(t, err)
	profile, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEmpty(t, profile, "a CPU profile")

	_, err = app.ServeProfiles(addr, zap.NewNop())
	assert.Error(t, err, "the address is taken")
}
