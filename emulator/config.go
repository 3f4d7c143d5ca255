package emulator

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Defaults that New applies to zero fields of a Config, so a Config built in
// a test needs only DBPath. The envconfig tags repeat them for the command.
const (
	DefaultAddr        = "127.0.0.1:8090"
	DefaultDBPath      = "./.run/billing-emulator.db"
	DefaultTokenTTL    = 900 * time.Second
	DefaultRefreshTTL  = 24 * time.Hour
	DefaultIDBase      = 1000
	DefaultUsers       = "admin:admin-secret"
	DefaultHangMax     = 5 * time.Minute
	DefaultJournalSize = 10000
	DefaultSeed        = 1
)

// MemoryDB is the DBPath value that keeps all state in memory, so nothing
// survives Close.
const MemoryDB = ":memory:"

// Config holds the emulator settings. The command loads it with envconfig
// under the prefix BILLING_EMU, so Addr is read from BILLING_EMU_ADDR.
type Config struct {
	Addr       string        `envconfig:"ADDR" default:"127.0.0.1:8090" desc:"listen address (host:port)"`
	DBPath     string        `envconfig:"DB" default:"./.run/billing-emulator.db" desc:"SQLite file with the emulated state, or :memory:"`
	FaultsFile string        `envconfig:"FAULTS" desc:"JSON file with an array of fault rules loaded at start"`
	TokenTTL   time.Duration `envconfig:"TOKEN_TTL" default:"900s" desc:"lifetime of access tokens and idle sessions"`
	RefreshTTL time.Duration `envconfig:"REFRESH_TTL" default:"24h" desc:"lifetime of refresh tokens"`
	IDBase     int64         `envconfig:"ID_BASE" default:"1000" desc:"first value of every auto-increment id"`
	Latency    time.Duration `envconfig:"LATENCY" default:"0s" desc:"delay added to every /rest/ call"`
	Users      string        `envconfig:"USERS" default:"admin:admin-secret" desc:"comma-separated login:password[:api_token] entries"`
	// Resellers are customers created at start (and after a reset) so that
	// batches can name them as parents.
	Resellers string `envconfig:"RESELLERS" desc:"comma-separated i_customer ids of reseller customers to create at start when missing"`

	// WeakPasswordCheck rejects easy-to-guess service passwords
	// (h323_password) on add_account, as some PortaBilling installations
	// do. A password is weak when it is shorter than 8 characters, lacks a
	// letter or a digit, or contains the account id or login.
	WeakPasswordCheck bool `envconfig:"WEAK_PASSWORD_CHECK" default:"false" desc:"reject easy-to-guess account passwords"`
	// ClosedAccountsBlockDelete makes closed accounts count as owned objects
	// for delete_customer. Real releases differ on this point.
	ClosedAccountsBlockDelete bool `envconfig:"CLOSED_ACCOUNTS_BLOCK_DELETE" default:"false" desc:"closed accounts also prevent delete_customer"`

	BlockLogins bool `envconfig:"BLOCK_LOGINS" default:"false" desc:"answer every login with the brute-force fault"`
	// ExpireSessionsAfterCalls ends every session after this many
	// authenticated calls. The knob fires once, and zero turns it off.
	ExpireSessionsAfterCalls int           `envconfig:"EXPIRE_SESSIONS_AFTER_CALLS" default:"0" desc:"end all sessions once after this many authenticated calls; 0 means never"`
	MaxLoginsPerMinute       int           `envconfig:"MAX_LOGINS_PER_MINUTE" default:"0" desc:"logins allowed per minute before the brute-force fault; 0 means no limit"`
	HangMax                  time.Duration `envconfig:"HANG_MAX" default:"5m" desc:"longest time a hang fault holds a request before answering 504"`
	Seed                     uint64        `envconfig:"SEED" default:"1" desc:"seed of probability triggers whose rule has no seed"`
	JournalSize              int           `envconfig:"JOURNAL_SIZE" default:"10000" desc:"number of calls the journal keeps"`

	// Now is the clock used for token expiry; nil means time.Now. Tests set
	// it to move time forward without sleeping.
	Now func() time.Time `ignored:"true"`
}

// user is one configured API user.
type user struct {
	id       int64
	login    string
	password string
	token    string
}

// withDefaults returns c with every zero field that has a default filled in.
func (c Config) withDefaults() Config {
	if c.TokenTTL == 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = DefaultRefreshTTL
	}
	if c.IDBase == 0 {
		c.IDBase = DefaultIDBase
	}
	if c.Users == "" {
		c.Users = DefaultUsers
	}
	if c.HangMax == 0 {
		c.HangMax = DefaultHangMax
	}
	if c.JournalSize == 0 {
		c.JournalSize = DefaultJournalSize
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate checks the rules that span fields or that envconfig cannot
// express.
func (c Config) Validate() error {
	var errs []error
	if c.DBPath == "" {
		errs = append(errs, errors.New("db path is empty: set BILLING_EMU_DB to a file or :memory:"))
	}
	if c.TokenTTL < 0 || c.RefreshTTL < 0 {
		errs = append(errs, errors.New("token ttl and refresh ttl must not be negative"))
	}
	if c.IDBase < 1 {
		errs = append(errs, fmt.Errorf("id base %d is invalid: it must be at least 1", c.IDBase))
	}
	if c.Latency < 0 || c.HangMax < 0 {
		errs = append(errs, errors.New("latency and hang max must not be negative"))
	}
	if c.MaxLoginsPerMinute < 0 || c.JournalSize < 0 || c.ExpireSessionsAfterCalls < 0 {
		errs = append(errs, errors.New("max logins per minute, journal size and expire-after-calls must not be negative"))
	}
	if _, err := parseUsers(c.Users); err != nil {
		errs = append(errs, err)
	}
	if _, err := parseResellers(c.Resellers); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// parseUsers reads "login:password[:api_token]" entries separated by commas.
// User ids start at 1 in the order given.
func parseUsers(spec string) ([]user, error) {
	var users []user
	seen := make(map[string]bool)
	for entry := range strings.SplitSeq(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		parts := strings.SplitN(entry, ":", 3)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("user entry %q is invalid: want login:password[:api_token]", parts[0])
		}
		if seen[parts[0]] {
			return nil, fmt.Errorf("user %q is listed twice", parts[0])
		}
		seen[parts[0]] = true

		u := user{id: int64(len(users) + 1), login: parts[0], password: parts[1]}
		if len(parts) == 3 {
			u.token = parts[2]
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, errors.New("no users configured: set BILLING_EMU_USERS to login:password")
	}
	return users, nil
}
