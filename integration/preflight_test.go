package integration_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/internal/testenv"
)

// A namespace that lacks a search attribute, or types one differently,
// stops the worker and the endpoint at startup with the fix spelled out,
// instead of leaving workflows failing their tasks.
func TestSearchAttributePreflight(t *testing.T) {
	srv := testenv.StartTemporalWith(t, temporal.NewSearchAttributes(
		temporal.NewSearchAttributeKeyKeyword("CustomerIndex").ValueSet(""),
		temporal.NewSearchAttributeKeyKeyword("BatchId").ValueSet(""),
	))
	err := app.CheckSearchAttributes(context.Background(), srv.Client(), "default")
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "search attribute CustomerIndex has type Keyword, expected Int")
	assert.Contains(t, msg, "search attribute CustomerStatus is missing; create it with: "+
		"temporal operator search-attribute create --namespace default --name CustomerStatus --type Keyword")
	assert.Contains(t, msg, "search attribute ResellerId is missing")
	assert.NotContains(t, msg, "BatchId", "a correct attribute is not reported")

	full := testenv.StartTemporal(t)
	assert.NoError(t, app.CheckSearchAttributes(context.Background(), full.Client(), "default"))
}
