package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// schema creates the tables on first start. Columns contain the fields
// the emulator checks or searches. The info column contains the whole
// object as the client sent it, and features the service features, both
// as JSON.
const schema = `
CREATE TABLE IF NOT EXISTS sequences (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
	i_customer  INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	login       TEXT NOT NULL DEFAULT '',
	iso_4217    TEXT NOT NULL,
	note        TEXT NOT NULL DEFAULT '',
	bill_status TEXT NOT NULL DEFAULT 'O',
	blocked     TEXT NOT NULL DEFAULT 'N',
	i_parent    INTEGER,
	info        TEXT NOT NULL DEFAULT '{}',
	features    TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX IF NOT EXISTS customers_login ON customers(login) WHERE login <> '';
-- The partial index above serves only queries that repeat its WHERE; this
-- one serves every lookup by login, which otherwise scans the table.
CREATE INDEX IF NOT EXISTS customers_login_lookup ON customers(login);
CREATE TABLE IF NOT EXISTS accounts (
	i_account        INTEGER PRIMARY KEY,
	id               TEXT NOT NULL UNIQUE,
	i_customer       INTEGER NOT NULL,
	billing_model    INTEGER NOT NULL,
	i_master_account INTEGER,
	login            TEXT NOT NULL DEFAULT '',
	note             TEXT NOT NULL DEFAULT '',
	bill_status      TEXT NOT NULL DEFAULT 'O',
	blocked          TEXT NOT NULL DEFAULT 'N',
	info             TEXT NOT NULL DEFAULT '{}',
	features         TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS accounts_customer ON accounts(i_customer);
CREATE INDEX IF NOT EXISTS accounts_master ON accounts(i_master_account);
CREATE INDEX IF NOT EXISTS accounts_login ON accounts(login);
CREATE TABLE IF NOT EXISTS extensions (
	i_c_ext    INTEGER PRIMARY KEY,
	i_customer INTEGER NOT NULL,
	id         TEXT NOT NULL,
	i_account  INTEGER NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	info       TEXT NOT NULL DEFAULT '{}',
	UNIQUE (i_customer, id)
);
CREATE INDEX IF NOT EXISTS extensions_account ON extensions(i_account);
`

// Sequence names of the sequences table.
const (
	seqCustomer  = "i_customer"
	seqAccount   = "i_account"
	seqExtension = "i_c_ext"
	seqOldSuffix = "old_suffix"
)

// store is the SQLite state. Writes are serialised by mu, so concurrent
// requests never race for the write lock and never see SQLITE_BUSY; reads
// run in parallel thanks to WAL.
type store struct {
	db     *sql.DB
	mu     sync.Mutex
	idBase int64
	stmts  *stmtCache
}

// txn is a transaction whose queries use statements prepared once per
// connection: preparing them on every call took a fifth of the emulator's
// CPU under load.
type txn struct {
	*sql.Tx
	stmts *stmtCache
}

// Query runs a query that returns rows.
func (t *txn) Query(query string, args ...any) (*sql.Rows, error) {
	if stmt := t.stmts.get(query); stmt != nil {
		return t.Stmt(stmt).Query(args...)
	}
	return t.Tx.Query(query, args...)
}

// QueryRow runs a query that returns at most one row.
func (t *txn) QueryRow(query string, args ...any) *sql.Row {
	if stmt := t.stmts.get(query); stmt != nil {
		return t.Stmt(stmt).QueryRow(args...)
	}
	return t.Tx.QueryRow(query, args...)
}

// Exec runs a statement that returns no rows.
func (t *txn) Exec(query string, args ...any) (sql.Result, error) {
	if stmt := t.stmts.get(query); stmt != nil {
		return t.Stmt(stmt).Exec(args...)
	}
	return t.Tx.Exec(query, args...)
}

// stmtCache keeps prepared statements by their text. List queries carry
// their paging in the text, so the cache stops growing at maxStmts and
// later texts run unprepared.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

const maxStmts = 128

// get returns the prepared statement for query, or nil when the cache is
// off, full, or the statement does not prepare (running it unprepared then
// reports the error).
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stmt, ok := c.stmts[query]; ok {
		return stmt
	}
	if c.stmts == nil || len(c.stmts) >= maxStmts {
		// Closed, or full.
		return nil
	}
	stmt, err := c.db.Prepare(query)
	if err != nil {
		return nil
	}
	c.stmts[query] = stmt
	return stmt
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, stmt := range c.stmts {
		_ = stmt.Close()
	}
	c.stmts = nil
}

func openStore(ctx context.Context, path string, idBase int64) (*store, error) {
	dsn, memory, err := sqliteDSN(path)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	st := &store{db: db, idBase: idBase}
	if memory {
		// Each connection to :memory: is a separate database, so all
		// requests must share one. Preparing a statement would wait for
		// that connection while a transaction holds it, so nothing is
		// prepared ahead.
		db.SetMaxOpenConns(1)
	} else {
		st.stmts = &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("create schema in %s: %w", path, err)
	}
	return st, nil
}

// sqliteDSN builds the driver DSN with WAL, a busy timeout for other
// processes sharing the file, and immediate write transactions.
func sqliteDSN(path string) (dsn string, memory bool, err error) {
	const opts = "_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if path == MemoryDB {
		return "file::memory:?" + opts, true, nil
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", false, fmt.Errorf("create db directory: %w", err)
		}
	}
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + opts + "&_pragma=journal_mode(WAL)", false, nil
}

func (st *store) close() error {
	st.stmts.close()
	return st.db.Close()
}

// write runs fn in a write transaction, one at a time. fn must do all its
// queries through tx, because with :memory: the pool has one connection.
func (st *store) write(ctx context.Context, fn func(tx *txn) error) error {
	st.mu.Lock()
	defer st.mu.Unlock()

	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	if err := fn(&txn{Tx: tx, stmts: st.stmts}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn in a read-only transaction, so all its queries read one
// snapshot.
func (st *store) read(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := st.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(&txn{Tx: tx, stmts: st.stmts})
}

// nextID takes the next value of a sequence. Values start at idBase and
// are never reused, even after a delete.
func (st *store) nextID(tx *txn, name string) (int64, error) {
	return nextValue(tx, name, st.idBase)
}

func nextValue(tx *txn, name string, first int64) (int64, error) {
	var v int64
	err := tx.QueryRow(`
		INSERT INTO sequences (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = value + 1
		RETURNING value`, name, first).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("next value of sequence %s: %w", name, err)
	}
	return v, nil
}

// wipe deletes all objects and restarts the sequences.
func (st *store) wipe(ctx context.Context) error {
	return st.write(ctx, func(tx *txn) error {
		for _, table := range []string{"customers", "accounts", "extensions", "sequences"} {
			if _, err := tx.Exec("DELETE FROM " + table); err != nil {
				return fmt.Errorf("wipe %s: %w", table, err)
			}
		}
		return nil
	})
}

// dump reads every object.
func (st *store) dump(ctx context.Context) (*State, error) {
	state := &State{Customers: []Customer{}, Accounts: []Account{}, Extensions: []Extension{}}
	err := st.read(ctx, func(tx *txn) error {
		var err error
		if state.Customers, err = queryCustomers(tx, "1=1 ORDER BY i_customer"); err != nil {
			return err
		}
		if state.Accounts, err = queryAccounts(tx, "1=1 ORDER BY i_account"); err != nil {
			return err
		}
		state.Extensions, err = queryExtensions(tx, "1=1 ORDER BY i_c_ext")
		return err
	})
	if err != nil {
		return nil, err
	}
	return state, nil
}

const customerColumns = `i_customer, name, login, iso_4217, note, bill_status, blocked,
	i_parent, info, features`

func queryCustomers(tx *txn, where string, args ...any) ([]Customer, error) {
	rows, err := tx.Query("SELECT "+customerColumns+" FROM customers WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query customers: %w", err)
	}
	defer rows.Close()

	list := []Customer{}
	for rows.Next() {
		var c Customer
		var parent sql.NullInt64
		var info, features string
		err := rows.Scan(&c.ICustomer, &c.Name, &c.Login, &c.ISO4217, &c.Note,
			&c.BillStatus, &c.Blocked, &parent, &info, &features)
		if err != nil {
			return nil, fmt.Errorf("scan customer: %w", err)
		}
		if parent.Valid {
			c.IParent = &parent.Int64
		}
		if err := decodeStored(info, features, &c.Info, &c.ServiceFeatures); err != nil {
			return nil, fmt.Errorf("customer %d: %w", c.ICustomer, err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// findCustomer returns the first customer matching where, or nil.
func findCustomer(tx *txn, where string, args ...any) (*Customer, error) {
	list, err := queryCustomers(tx, where+" LIMIT 1", args...)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// saveCustomer inserts a customer row or updates the row with its id. A
// clash on name or login fails instead of replacing the other row.
func saveCustomer(tx *txn, c *Customer) error {
	info, features, err := encodeStored(c.Info, c.ServiceFeatures)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO customers (`+customerColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (i_customer) DO UPDATE SET
			name = excluded.name, login = excluded.login, iso_4217 = excluded.iso_4217,
			note = excluded.note, bill_status = excluded.bill_status,
			blocked = excluded.blocked, i_parent = excluded.i_parent,
			info = excluded.info, features = excluded.features`,
		c.ICustomer, c.Name, c.Login, c.ISO4217, c.Note, c.BillStatus, c.Blocked,
		c.IParent, info, features)
	if err != nil {
		return fmt.Errorf("save customer %d: %w", c.ICustomer, err)
	}
	return nil
}

const accountColumns = `i_account, id, i_customer, billing_model, i_master_account,
	note, bill_status, blocked, info, features`

func queryAccounts(tx *txn, where string, args ...any) ([]Account, error) {
	rows, err := tx.Query("SELECT "+accountColumns+" FROM accounts WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query accounts: %w", err)
	}
	defer rows.Close()

	list := []Account{}
	for rows.Next() {
		var a Account
		var master sql.NullInt64
		var info, features string
		err := rows.Scan(&a.IAccount, &a.ID, &a.ICustomer, &a.BillingModel, &master,
			&a.Note, &a.BillStatus, &a.Blocked, &info, &features)
		if err != nil {
			return nil, fmt.Errorf("scan account: %w", err)
		}
		if master.Valid {
			a.IMasterAccount = &master.Int64
		}
		if err := decodeStored(info, features, &a.Info, &a.ServiceFeatures); err != nil {
			return nil, fmt.Errorf("account %d: %w", a.IAccount, err)
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

func findAccount(tx *txn, where string, args ...any) (*Account, error) {
	list, err := queryAccounts(tx, where+" LIMIT 1", args...)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// saveAccount inserts an account row or updates the row with its id. The
// login column mirrors info.login for the uniqueness check.
func saveAccount(tx *txn, a *Account) error {
	info, features, err := encodeStored(a.Info, a.ServiceFeatures)
	if err != nil {
		return err
	}
	login, _ := a.Info["login"].(string)
	_, err = tx.Exec(`INSERT INTO accounts (`+accountColumns+`, login)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (i_account) DO UPDATE SET
			id = excluded.id, i_customer = excluded.i_customer,
			billing_model = excluded.billing_model,
			i_master_account = excluded.i_master_account, note = excluded.note,
			bill_status = excluded.bill_status, blocked = excluded.blocked,
			info = excluded.info, features = excluded.features, login = excluded.login`,
		a.IAccount, a.ID, a.ICustomer, a.BillingModel, a.IMasterAccount,
		a.Note, a.BillStatus, a.Blocked, info, features, login)
	if err != nil {
		return fmt.Errorf("save account %d: %w", a.IAccount, err)
	}
	return nil
}

const extensionColumns = `i_c_ext, i_customer, id, i_account, name, info`

// extensionRow is an extension with the extra fields the client sent.
type extensionRow struct {
	Extension
	info map[string]any
}

func queryExtensionRows(tx *txn, where string, args ...any) ([]extensionRow, error) {
	rows, err := tx.Query("SELECT "+extensionColumns+" FROM extensions WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query extensions: %w", err)
	}
	defer rows.Close()

	list := []extensionRow{}
	for rows.Next() {
		var e extensionRow
		var info string
		err := rows.Scan(&e.ICExt, &e.ICustomer, &e.ID, &e.IAccount, &e.Name, &info)
		if err != nil {
			return nil, fmt.Errorf("scan extension: %w", err)
		}
		if err := decodeJSON([]byte(info), &e.info); err != nil {
			return nil, fmt.Errorf("extension %d info: %w", e.ICExt, err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

func queryExtensions(tx *txn, where string, args ...any) ([]Extension, error) {
	rows, err := queryExtensionRows(tx, where, args...)
	if err != nil {
		return nil, err
	}
	list := make([]Extension, 0, len(rows))
	for _, r := range rows {
		list = append(list, r.Extension)
	}
	return list, nil
}

func countRows(tx *txn, query string, args ...any) (int64, error) {
	var n int64
	if err := tx.QueryRow(query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return n, nil
}

func decodeStored(info, features string, infoOut *map[string]any, featuresOut *[]ServiceFeature) error {
	if err := decodeJSON([]byte(info), infoOut); err != nil {
		return fmt.Errorf("decode info: %w", err)
	}
	if *infoOut == nil {
		*infoOut = map[string]any{}
	}
	if err := json.Unmarshal([]byte(features), featuresOut); err != nil {
		return fmt.Errorf("decode service features: %w", err)
	}
	if *featuresOut == nil {
		*featuresOut = []ServiceFeature{}
	}
	return nil
}

func encodeStored(info map[string]any, features []ServiceFeature) (string, string, error) {
	if info == nil {
		info = map[string]any{}
	}
	if features == nil {
		features = []ServiceFeature{}
	}
	i, err := json.Marshal(info)
	if err != nil {
		return "", "", fmt.Errorf("encode info: %w", err)
	}
	f, err := json.Marshal(features)
	if err != nil {
		return "", "", fmt.Errorf("encode service features: %w", err)
	}
	return string(i), string(f), nil
}
