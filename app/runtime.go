package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

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
	Store   store.Store
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
	if r.Store, err = OpenStore(ctx, r.Config, r.Log); err != nil {
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

// storeOpenTimeout bounds connecting to a PostgreSQL store at start, so
// that an unreachable database fails the start instead of hanging it.
const storeOpenTimeout = 30 * time.Second

// OpenStore opens the store that the config selects: PostgreSQL when
// StoreURL is set, else the SQLite file at StorePath. It logs the
// backend and where it is, without the URL's credentials.
func OpenStore(ctx context.Context, cfg config.Config, log *zap.Logger) (store.Store, error) {
	if cfg.StoreURL == "" {
		st, err := store.OpenSQLite(cfg.StorePath)
		if err != nil {
			return nil, err
		}
		log.Info("store opened", zap.String("store_backend", "sqlite"), zap.String("store_path", cfg.StorePath))
		return st, nil
	}
	u, err := url.Parse(cfg.StoreURL)
	if err != nil {
		// config.Validate rejects such a URL before this point. The check
		// stays for other callers, and the message leaves the URL out.
		return nil, fmt.Errorf("%s_STORE_URL is not a valid URL", config.Prefix)
	}
	host, database := u.Host, strings.TrimPrefix(u.Path, "/")
	ctx, cancel := context.WithTimeout(ctx, storeOpenTimeout)
	defer cancel()
	st, err := store.OpenPostgres(ctx, cfg.StoreURL)
	if err != nil {
		return nil, err
	}
	log.Info("store opened", zap.String("store_backend", "postgres"),
		zap.String("store_host", host), zap.String("store_database", database))
	return st, nil
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
