// Package config loads the service's settings from environment variables
// with the BATCH_ prefix. The defaults run everything on one machine
// against a Temporal dev server and the billing emulator.
package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Prefix starts every variable name.
const Prefix = "BATCH"

// Config holds every setting of the endpoint and the worker; each reads
// the fields it needs.
type Config struct {
	TemporalAddress       string `envconfig:"TEMPORAL_ADDRESS" default:"127.0.0.1:7233" desc:"Temporal frontend host:port"`
	TemporalNamespace     string `envconfig:"TEMPORAL_NAMESPACE" default:"default" desc:"Temporal namespace"`
	TaskQueue             string `envconfig:"TASK_QUEUE" default:"batch-customers" desc:"task queue of the workflows and activities"`
	TemporalTLS           bool   `envconfig:"TEMPORAL_TLS" default:"false" desc:"connect to Temporal over TLS (on by itself when a CA, client certificate or API key is set)"`
	TemporalTLSCA         string `envconfig:"TEMPORAL_TLS_CA" desc:"PEM file of the CA that signs the Temporal server's certificate; empty uses the system roots"`
	TemporalTLSCert       string `envconfig:"TEMPORAL_TLS_CERT" desc:"PEM client certificate for mTLS to Temporal"`
	TemporalTLSKey        string `envconfig:"TEMPORAL_TLS_KEY" desc:"PEM private key of the mTLS client certificate"`
	TemporalTLSServerName string `envconfig:"TEMPORAL_TLS_SERVER_NAME" desc:"server name to verify in Temporal's certificate, when it differs from the address"`
	TemporalAPIKey        string `envconfig:"TEMPORAL_API_KEY" desc:"API key for Temporal Cloud or a cluster that takes API keys"`
	TemporalCompression   string `envconfig:"TEMPORAL_COMPRESSION" default:"none" desc:"gRPC compression of requests to Temporal: none (the rows stay in the store, so payloads are small and compressing them costs more CPU on both ends than it saves) or gzip (for a slow or metered link)"`
	TemporalUIURL         string `envconfig:"TEMPORAL_UI_URL" default:"http://localhost:8233" desc:"base URL of the Temporal UI, for links in replies and logs"`

	HTTPAddr     string `envconfig:"HTTP_ADDR" default:"127.0.0.1:8080" desc:"listen address of the HTTP endpoint"`
	HTTPTLSCert  string `envconfig:"HTTP_TLS_CERT" desc:"PEM certificate to serve the endpoint over HTTPS; needs BATCH_HTTP_TLS_KEY"`
	HTTPTLSKey   string `envconfig:"HTTP_TLS_KEY" desc:"PEM private key of BATCH_HTTP_TLS_CERT"`
	MaxBodyBytes int64  `envconfig:"MAX_BODY_BYTES" default:"268435456" desc:"largest request body in bytes; larger ones get 413"`
	MaxCustomers int    `envconfig:"MAX_CUSTOMERS" default:"10000" desc:"most customers (CsvData rows) in one request"`
	Licenses     string `envconfig:"LICENSES" desc:"comma-separated licence keys a request must carry; empty disables the check"`

	StorePath string `envconfig:"STORE_PATH" default:".run/batches.db" desc:"SQLite file of accepted batches, shared by the endpoint and the workers; used when BATCH_STORE_URL is empty"`
	StoreURL  string `envconfig:"STORE_URL" desc:"postgres:// or postgresql:// URL of a shared PostgreSQL store, for an endpoint and workers on several hosts; empty uses the SQLite file at BATCH_STORE_PATH"`

	Window         int `envconfig:"WINDOW" default:"40" desc:"customers of one batch created at the same time"`
	ChildrenPerRun int `envconfig:"CHILDREN_PER_RUN" default:"500" desc:"customers a batch run starts before it continues as new"`

	ErrorThresholdPercent float64 `envconfig:"ERROR_THRESHOLD_PERCENT" default:"0" desc:"pause a batch when more than this percentage of its finished customers failed; 0 turns the check off"`
	ErrorThresholdAfter   int     `envconfig:"ERROR_THRESHOLD_AFTER" default:"10" desc:"finished customers needed before the error threshold applies"`

	WebhookURL    string `envconfig:"WEBHOOK_URL" desc:"URL that receives a POST when a batch ends; empty sends nothing"`
	WebhookSecret string `envconfig:"WEBHOOK_SECRET" desc:"key of the HMAC-SHA256 signature in the X-Batch-Signature header of webhook posts"`

	CodecKeys      string `envconfig:"CODEC_KEYS" desc:"id:base64key entries (AES-256, comma-separated, first is current) that encrypt Temporal payloads; empty leaves them readable"`
	CodecKeysFile  string `envconfig:"CODEC_KEYS_FILE" desc:"file with one id:base64key entry per line, instead of BATCH_CODEC_KEYS"`
	CodecAuthToken string `envconfig:"CODEC_AUTH_TOKEN" desc:"bearer token the Temporal UI must send to the endpoint's /codec/ decoder"`

	CheckSearchAttributes bool `envconfig:"CHECK_SEARCH_ATTRIBUTES" default:"true" desc:"refuse to start when the namespace lacks the search attributes the workflows set"`

	BillingURL          string        `envconfig:"BILLING_URL" default:"http://127.0.0.1:8090" desc:"PortaBilling admin realm base URL"`
	BillingLogin        string        `envconfig:"BILLING_LOGIN" default:"admin" desc:"PortaBilling API user"`
	BillingPassword     string        `envconfig:"BILLING_PASSWORD" default:"admin-secret" desc:"PortaBilling API password"`
	BillingTimeout      time.Duration `envconfig:"BILLING_TIMEOUT" default:"25s" desc:"timeout of one billing HTTP call"`
	BillingInsecureTLS  bool          `envconfig:"BILLING_INSECURE_TLS" default:"false" desc:"skip TLS certificate checks toward billing (self-signed test hosts only)"`
	BillingConcurrency  int           `envconfig:"BILLING_CONCURRENCY" default:"20" desc:"billing calls one worker makes at the same time (it runs up to twice as many activities)"`
	PollerAutoscaling   bool          `envconfig:"POLLER_AUTOSCALING" default:"true" desc:"let Temporal scale the worker's task pollers (true) or keep the SDK's two per task type (false)"`
	ActivitiesPerSecond float64       `envconfig:"ACTIVITIES_PER_SECOND" default:"0" desc:"activities per second the whole task queue may start, across all workers (Temporal enforces it); 0 means no limit"`

	MetricsAddr string `envconfig:"METRICS_ADDR" default:"127.0.0.1:9091" desc:"listen address of the worker's Prometheus /metrics endpoint; empty turns it off (the endpoint serves /metrics on BATCH_HTTP_ADDR)"`
	PprofAddr   string `envconfig:"PPROF_ADDR" desc:"listen address of Go's /debug/pprof/ profiles, for the worker and the endpoint alike; empty (the default) turns them off; keep it on loopback"`

	LogLevel  string `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	LogFormat string `envconfig:"LOG_FORMAT" default:"console" desc:"console or json"`
}

// Load reads the environment and validates the result.
func Load() (Config, error) {
	var c Config
	if err := envconfig.Process(Prefix, &c); err != nil {
		return Config{}, fmt.Errorf("read settings: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks the rules that span fields or that envconfig cannot
// express. It lists every problem at once.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.TemporalAddress != "", "%s_TEMPORAL_ADDRESS is empty", Prefix)
	check(c.TemporalNamespace != "", "%s_TEMPORAL_NAMESPACE is empty", Prefix)
	check(c.TaskQueue != "", "%s_TASK_QUEUE is empty", Prefix)
	check(c.StoreURL != "" || c.StorePath != "", "%s_STORE_PATH is empty", Prefix)
	if err := checkStoreURL(c.StoreURL); err != nil {
		errs = append(errs, err)
	}
	check(c.MaxBodyBytes > 0, "%s_MAX_BODY_BYTES must be positive, got %d", Prefix, c.MaxBodyBytes)
	check(c.MaxCustomers > 0, "%s_MAX_CUSTOMERS must be positive, got %d", Prefix, c.MaxCustomers)
	check(c.TemporalCompression == "gzip" || c.TemporalCompression == "none",
		"%s_TEMPORAL_COMPRESSION must be gzip or none, got %q", Prefix, c.TemporalCompression)
	check(c.Window > 0 && c.Window <= 1000, "%s_WINDOW must be between 1 and 1000, got %d", Prefix, c.Window)
	check(c.ChildrenPerRun >= c.Window && c.ChildrenPerRun <= 1500,
		"%s_CHILDREN_PER_RUN must be between %s_WINDOW (%d) and 1500, got %d", Prefix, Prefix, c.Window, c.ChildrenPerRun)
	check(c.BillingTimeout > 0, "%s_BILLING_TIMEOUT must be positive, got %s", Prefix, c.BillingTimeout)
	check(c.ErrorThresholdPercent >= 0 && c.ErrorThresholdPercent <= 100,
		"%s_ERROR_THRESHOLD_PERCENT must be from 0 to 100, got %g", Prefix, c.ErrorThresholdPercent)
	check(c.ErrorThresholdAfter >= 1, "%s_ERROR_THRESHOLD_AFTER must be at least 1, got %d", Prefix, c.ErrorThresholdAfter)
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "",
			"%s_WEBHOOK_URL must be an http or https URL, got %q", Prefix, c.WebhookURL)
	}
	check((c.HTTPTLSCert == "") == (c.HTTPTLSKey == ""), "%s_HTTP_TLS_CERT and %s_HTTP_TLS_KEY go together", Prefix, Prefix)
	check((c.TemporalTLSCert == "") == (c.TemporalTLSKey == ""),
		"%s_TEMPORAL_TLS_CERT and %s_TEMPORAL_TLS_KEY go together", Prefix, Prefix)
	check(c.CodecKeys == "" || c.CodecKeysFile == "", "set %s_CODEC_KEYS or %s_CODEC_KEYS_FILE, not both", Prefix, Prefix)
	check(c.ActivitiesPerSecond >= 0, "%s_ACTIVITIES_PER_SECOND must not be negative, got %g", Prefix, c.ActivitiesPerSecond)
	check(c.BillingConcurrency > 0, "%s_BILLING_CONCURRENCY must be positive, got %d", Prefix, c.BillingConcurrency)
	for name, raw := range map[string]string{"BILLING_URL": c.BillingURL, "TEMPORAL_UI_URL": c.TemporalUIURL} {
		u, err := url.Parse(raw)
		check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "",
			"%s_%s must be an http or https URL, got %q", Prefix, name, raw)
	}
	check(oneOf(c.LogLevel, "debug", "info", "warn", "error"),
		"%s_LOG_LEVEL must be debug, info, warn or error, got %q", Prefix, c.LogLevel)
	check(oneOf(c.LogFormat, "console", "json"), "%s_LOG_FORMAT must be console or json, got %q", Prefix, c.LogFormat)
	return errors.Join(errs...)
}

// checkStoreURL accepts an empty value or a postgres:// or postgresql://
// URL. Its messages never quote the value, which may hold a password.
func checkStoreURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			// url.Error quotes the whole URL.
			err = uerr.Err
		}
		return fmt.Errorf("%s_STORE_URL is not a valid URL: %v", Prefix, err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("%s_STORE_URL must be a postgres:// or postgresql:// URL, got scheme %q; "+
			"leave it empty to use the SQLite file at %s_STORE_PATH", Prefix, u.Scheme, Prefix)
	}
	return nil
}

// LicenseKeys returns the configured licence keys.
func (c Config) LicenseKeys() []string {
	var keys []string
	for _, k := range strings.Split(c.Licenses, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// Usage prints every variable with its default and meaning.
func Usage(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if err := envconfig.Usagef(Prefix, &Config{}, tw, envconfig.DefaultTableFormat); err != nil {
		return err
	}
	return tw.Flush()
}

// HandleHelp prints the usage and reports true when args ask for help.
func HandleHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			_ = Usage(os.Stdout)
			return true
		}
	}
	return false
}
