package config_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/config"
)

func TestLoadDefaults(t *testing.T) {
	c, err := config.Load()
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:7233", c.TemporalAddress)
	assert.Equal(t, "default", c.TemporalNamespace)
	assert.Equal(t, 20, c.Window)
	assert.Empty(t, c.LicenseKeys())
}

func TestLoadReadsEnvironment(t *testing.T) {
	t.Setenv("BATCH_WINDOW", "5")
	t.Setenv("BATCH_CHILDREN_PER_RUN", "50")
	t.Setenv("BATCH_LICENSES", " a , b,,")
	c, err := config.Load()
	require.NoError(t, err)
	assert.Equal(t, 5, c.Window)
	assert.Equal(t, []string{"a", "b"}, c.LicenseKeys())
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Setenv("BATCH_WINDOW", "0")
	t.Setenv("BATCH_BILLING_URL", "ftp://x")
	t.Setenv("BATCH_LOG_LEVEL", "loud")
	_, err := config.Load()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "BATCH_WINDOW must be between 1 and 1000, got 0")
	assert.Contains(t, err.Error(), `BATCH_BILLING_URL must be an http or https URL, got "ftp://x"`)
	assert.Contains(t, err.Error(), `BATCH_LOG_LEVEL must be debug, info, warn or error, got "loud"`)
}

func TestLoadRejectsMalformedNumber(t *testing.T) {
	t.Setenv("BATCH_MAX_CUSTOMERS", "many")
	_, err := config.Load()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MAX_CUSTOMERS")
}

func TestUsageListsVariables(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, config.Usage(&buf))
	assert.Contains(t, buf.String(), "BATCH_TEMPORAL_ADDRESS")
	assert.Contains(t, buf.String(), "Temporal frontend host:port")
}
