package app

import (
	"context"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/codec"
	"github.com/portaplus2/batchcustomers/config"
	"github.com/portaplus2/batchcustomers/metrics"
	"github.com/portaplus2/batchcustomers/store"
)

// Runtime holds what the worker and the endpoint both open at start.
type Runtime struct {
	Config  config.Config
	Log     *zap.Logger
	Store   *store.SQLite
	Metrics *metrics.Registry
	// Codec encrypts payloads; nil when no keys are configured.
	Codec  *codec.AESGCM
	Client client.Client
}

// Open loads the config, builds the logger and metrics, opens the store
// and connects to Temporal, then checks the namespace's search attributes
// unless the config turns that off. Close releases what it opened, also
// after an error.
func Open(ctx context.Context, component string) (*Runtime, error) {
	r := &Runtime{}
	var err error
	if r.Config, err = config.Load(); err != nil {
		return r, err
	}
	if r.Log, err = NewLogger(r.Config, component); err != nil {
		return r, err
	}
	if r.Store, err = store.OpenSQLite(r.Config.StorePath); err != nil {
		return r, err
	}
	if r.Metrics, err = metrics.New(r.Log); err != nil {
		return r, err
	}
	if r.Codec, err = codec.Load(r.Config.CodecKeys, r.Config.CodecKeysFile); err != nil {
		return r, err
	}
	if r.Client, err = Dial(r.Config, r.Log, r.Metrics.SDKHandler(), r.Codec); err != nil {
		return r, err
	}
	if r.Config.CheckSearchAttributes {
		if err := CheckSearchAttributes(ctx, r.Client, r.Config.TemporalNamespace); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Close releases the client, the store and the logger's buffers.
func (r *Runtime) Close() {
	if r.Client != nil {
		r.Client.Close()
	}
	if r.Store != nil {
		_ = r.Store.Close()
	}
	if r.Log != nil {
		_ = r.Log.Sync()
	}
}
