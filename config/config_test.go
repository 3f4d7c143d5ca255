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
	assert.Equal(t, 40, c.Window)
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

func TestStoreURLDefaultsToSQLite(t *testing.T) {
	c, err := config.Load()
	require.NoError(t, err)
	assert.Empty(t, c.StoreURL)
	assert.Equal(t, ".run/batches.db", c.StorePath)
}

func TestStoreURLAcceptsPostgres(t *testing.T) {
	for _, raw := range []string{
		"postgres://app:secret@db.example:5432/batches?sslmode=require",
		"postgresql://app@db.example/batches",
		"postgres:///batches?host=/var/run/postgresql",
	} {
		t.Setenv("BATCH_STORE_URL", raw)
		t.Setenv("BATCH_STORE_PATH", "")
		c, err := config.Load()
		require.NoError(t, err, raw)
		assert.Equal(t, raw, c.StoreURL)
	}
}

func TestStoreURLRejectsOtherValues(t *testing.T) {
	for raw, want := range map[string]string{
		"mysql://app:s3cret@db.example/batches":          `BATCH_STORE_URL must be a postgres:// or postgresql:// URL, got scheme "mysql"`,
		"host=db.example password=s3cret dbname=batches": `BATCH_STORE_URL must be a postgres:// or postgresql:// URL, got scheme ""`,
		"postgres://app:s3cret@db.example:port/batches":  "BATCH_STORE_URL is not a valid URL",
	} {
		t.Setenv("BATCH_STORE_URL", raw)
		_, err := config.Load()
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), want)
		assert.NotContains(t, err.Error(), "s3cret", "the message must not quote the password")
	}
}
