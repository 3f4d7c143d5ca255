package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the shared Store for workers and endpoints on several
// hosts. Every method is one transaction, and the methods that number
// something lock the customer row first, so callers in different
// processes never read the same count.
type Postgres struct {
	pool *pgxpool.Pool
}

var _ Store = (*Postgres)(nil)

// The same tables as the SQLite schema, with PostgreSQL types. Row data
// and results are BYTEA so that they come back byte for byte as stored.
const postgresSchema = `
CREATE TABLE IF NOT EXISTS batches (
	id           TEXT PRIMARY KEY,
	workflow_id  TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	total        INTEGER NOT NULL,
	reseller_id  BIGINT NOT NULL,
	product_id   BIGINT NOT NULL,
	state        TEXT NOT NULL,
	state_reason TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
	batch_id    TEXT NOT NULL REFERENCES batches(id),
	idx         INTEGER NOT NULL,
	login       TEXT NOT NULL,
	name        TEXT NOT NULL,
	data        BYTEA NOT NULL,
	status      TEXT NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	workflow_id TEXT NOT NULL DEFAULT '',
	result      BYTEA,
	updated_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (batch_id, idx)
);
CREATE INDEX IF NOT EXISTS customers_status ON customers(batch_id, status);
CREATE TABLE IF NOT EXISTS row_versions (
	batch_id TEXT NOT NULL,
	idx      INTEGER NOT NULL,
	version  INTEGER NOT NULL,
	data     BYTEA NOT NULL,
	PRIMARY KEY (batch_id, idx, version)
);
CREATE TABLE IF NOT EXISTS attempts (
	batch_id    TEXT NOT NULL,
	idx         INTEGER NOT NULL,
	workflow_id TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	status      TEXT NOT NULL,
	result      BYTEA,
	finished_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (batch_id, idx, workflow_id)
);
`

// schemaLockKey is the advisory lock that serialises schema creation.
// Without it, two processes that run CREATE TABLE IF NOT EXISTS at the
// same moment can both try to create a table, and one of them fails with
// a unique violation in the system catalogs.
const schemaLockKey int64 = 0x62617463685f7374 // "batch_st" in ASCII

// OpenPostgres connects to the database at rawURL (postgres:// or
// postgresql://), pings it and creates the tables when they are missing.
// The URL's query may set pgxpool options such as pool_max_conns. Errors
// name the host and database, never the password.
func OpenPostgres(ctx context.Context, rawURL string) (*Postgres, error) {
	target, err := describePostgresURL(rawURL)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// The URL parsed above, so pgconn's redaction reliably masks the
		// password in this message.
		return nil, fmt.Errorf("parse PostgreSQL store URL for %s: %w", target, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL store %s: %w", target, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL store %s: %w", target, err)
	}
	if err := createPostgresSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("create store schema in %s: %w", target, err)
	}
	return &Postgres{pool: pool}, nil
}

// describePostgresURL returns "host H database D" for messages, so that
// they can name the store without its credentials.
func describePostgresURL(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			// url.Error quotes the whole URL, password included.
			err = uerr.Err
		}
		return "", fmt.Errorf("invalid PostgreSQL store URL: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("invalid PostgreSQL store URL: scheme must be postgres or postgresql, got %q", u.Scheme)
	}
	return fmt.Sprintf("host %q database %q", u.Host, strings.TrimPrefix(u.Path, "/")), nil
}

func createPostgresSchema(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, schemaLockKey); err != nil {
			return fmt.Errorf("take schema lock: %w", err)
		}
		// Without arguments pgx sends this as one simple-protocol query,
		// which may hold several statements.
		_, err := tx.Exec(ctx, postgresSchema)
		return err
	})
}

// Close closes every pooled connection.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// CreateBatch implements Store. ON CONFLICT DO NOTHING waits for a
// concurrent insert of the same id to commit or roll back, so exactly one
// caller creates the batch and the others read the batch it stored.
func (p *Postgres) CreateBatch(ctx context.Context, b Batch, rows []Row) (Batch, bool, error) {
	if b.State == "" {
		b.State = StateAccepted
	}
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return Batch{}, false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	var created time.Time
	err = tx.QueryRow(ctx, `INSERT INTO batches
		(id, workflow_id, request_hash, total, reseller_id, product_id, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())
		ON CONFLICT (id) DO NOTHING RETURNING created_at`,
		b.ID, b.WorkflowID, b.RequestHash, len(rows), b.ResellerID, b.ProductID, b.State).Scan(&created)
	if errors.Is(err, pgx.ErrNoRows) {
		// In READ COMMITTED this new statement reads the batch that the
		// conflicting transaction committed.
		existing, err := scanPostgresBatch(tx.QueryRow(ctx, postgresBatchQuery, b.ID))
		return existing, false, err
	}
	if err != nil {
		return Batch{}, false, fmt.Errorf("insert batch %s: %w", b.ID, err)
	}

	// COPY sends every row in one stream, so 10,000 rows cost one round
	// trip rather than 10,000.
	columns := []string{"batch_id", "idx", "login", "name", "data", "status", "updated_at"}
	source := pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := rows[i]
		return []any{b.ID, r.Index, r.Login, r.Name, []byte(r.Data), StatusPending, created}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"customers"}, columns, source); err != nil {
		return Batch{}, false, fmt.Errorf("insert rows of batch %s: %w", b.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Batch{}, false, fmt.Errorf("commit batch %s: %w", b.ID, err)
	}
	b.Total = len(rows)
	b.CreatedAt = created.UTC()
	b.UpdatedAt = b.CreatedAt
	return b, true, nil
}

const postgresBatchQuery = `SELECT id, workflow_id, request_hash, total, reseller_id, product_id,
	state, state_reason, created_at, updated_at FROM batches WHERE id = $1`

func scanPostgresBatch(row pgx.Row) (Batch, error) {
	var b Batch
	err := row.Scan(&b.ID, &b.WorkflowID, &b.RequestHash, &b.Total, &b.ResellerID,
		&b.ProductID, &b.State, &b.StateReason, &b.CreatedAt, &b.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Batch{}, ErrNotFound
	}
	if err != nil {
		return Batch{}, fmt.Errorf("read batch: %w", err)
	}
	b.CreatedAt = b.CreatedAt.UTC()
	b.UpdatedAt = b.UpdatedAt.UTC()
	return b, nil
}

// Batch implements Store.
func (p *Postgres) Batch(ctx context.Context, id string) (Batch, error) {
	return scanPostgresBatch(p.pool.QueryRow(ctx, postgresBatchQuery, id))
}

// SetBatchState implements Store.
func (p *Postgres) SetBatchState(ctx context.Context, id, state, reason string) error {
	tag, err := p.pool.Exec(ctx,
		`UPDATE batches SET state = $1, state_reason = $2, updated_at = now() WHERE id = $3`, state, reason, id)
	return checkPostgresUpdated(tag, err, "batch "+id)
}

// Row implements Store.
func (p *Postgres) Row(ctx context.Context, batchID string, index, version int) (Row, error) {
	r := Row{Index: index}
	var data []byte
	err := p.pool.QueryRow(ctx,
		`SELECT login, name, data FROM customers WHERE batch_id = $1 AND idx = $2`,
		batchID, index).Scan(&r.Login, &r.Name, &data)
	if err == nil && version > 0 {
		err = p.pool.QueryRow(ctx,
			`SELECT data FROM row_versions WHERE batch_id = $1 AND idx = $2 AND version = $3`,
			batchID, index, version).Scan(&data)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return Row{}, fmt.Errorf("row %d version %d of batch %s: %w", index, version, batchID, ErrNotFound)
	}
	if err != nil {
		return Row{}, fmt.Errorf("read row %d of batch %s: %w", index, batchID, err)
	}
	r.Data = data
	return r, nil
}

// AddRowVersion implements Store.
func (p *Postgres) AddRowVersion(ctx context.Context, batchID string, index int, data json.RawMessage) (int, error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	// The row lock makes concurrent callers for this row wait here until
	// the holder commits.
	var locked int
	err = tx.QueryRow(ctx, `SELECT 1 FROM customers WHERE batch_id = $1 AND idx = $2 FOR UPDATE`,
		batchID, index).Scan(&locked)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("row %d of batch %s: %w", index, batchID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("lock row %d of batch %s: %w", index, batchID, err)
	}
	// This statement takes its snapshot after the lock, so MAX includes
	// every version that an earlier holder committed. A single INSERT ...
	// SELECT with the lock in a CTE would not, because its snapshot
	// predates the wait.
	var version int
	err = tx.QueryRow(ctx, `INSERT INTO row_versions (batch_id, idx, version, data)
		SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3::bytea FROM row_versions
		WHERE batch_id = $1 AND idx = $2
		RETURNING version`, batchID, index, []byte(data)).Scan(&version)
	if err != nil {
		return 0, fmt.Errorf("store new version of row %d of batch %s: %w", index, batchID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit row %d version %d of batch %s: %w", index, version, batchID, err)
	}
	return version, nil
}

// StartCustomer implements Store. One UPDATE is atomic: a concurrent
// caller waits for the row lock and PostgreSQL then evaluates the CASE
// against the row as that caller committed it.
func (p *Postgres) StartCustomer(ctx context.Context, batchID string, index int, workflowID string) error {
	// An activity retried after a lost response must not count twice, so
	// the attempt counts only when the workflow id changes.
	tag, err := p.pool.Exec(ctx, `UPDATE customers SET status = $1,
		attempts = attempts + (CASE WHEN workflow_id = $2 THEN 0 ELSE 1 END),
		workflow_id = $2, updated_at = now() WHERE batch_id = $3 AND idx = $4`,
		StatusRunning, workflowID, batchID, index)
	return checkPostgresUpdated(tag, err, fmt.Sprintf("row %d of batch %s", index, batchID))
}

// FinishCustomer implements Store. A retried activity writes the same
// attempt again, which replaces it rather than adding one. The UPDATE
// locks the customer row first, so concurrent finishes of one row number
// their attempts one after another.
func (p *Postgres) FinishCustomer(ctx context.Context, batchID string, index int, workflowID, status string, result json.RawMessage) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	tag, err := tx.Exec(ctx, `UPDATE customers SET status = $1, result = $2, workflow_id = $3, updated_at = now()
		WHERE batch_id = $4 AND idx = $5`, status, []byte(result), workflowID, batchID, index)
	if err := checkPostgresUpdated(tag, err, fmt.Sprintf("row %d of batch %s", index, batchID)); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO attempts (batch_id, idx, workflow_id, attempt, status, result, finished_at)
		VALUES ($1, $2, $3, (SELECT COUNT(*) + 1 FROM attempts WHERE batch_id = $1 AND idx = $2 AND workflow_id <> $3),
			$4, $5, now())
		ON CONFLICT (batch_id, idx, workflow_id) DO UPDATE SET
			status = excluded.status, result = excluded.result, finished_at = excluded.finished_at`,
		batchID, index, workflowID, status, []byte(result))
	if err != nil {
		return fmt.Errorf("record attempt at row %d of batch %s: %w", index, batchID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit attempt at row %d of batch %s: %w", index, batchID, err)
	}
	return nil
}

// Attempts implements Store.
func (p *Postgres) Attempts(ctx context.Context, batchID string, index int) ([]Attempt, error) {
	rows, err := p.pool.Query(ctx, `SELECT attempt, workflow_id, status, result, finished_at FROM attempts
		WHERE batch_id = $1 AND idx = $2 ORDER BY attempt`, batchID, index)
	if err != nil {
		return nil, fmt.Errorf("list attempts at row %d of batch %s: %w", index, batchID, err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var result []byte
		if err := rows.Scan(&a.Attempt, &a.WorkflowID, &a.Status, &result, &a.FinishedAt); err != nil {
			return nil, fmt.Errorf("read attempt: %w", err)
		}
		a.Result = result
		a.FinishedAt = a.FinishedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// SkipPending implements Store.
func (p *Postgres) SkipPending(ctx context.Context, batchID string) (int, error) {
	tag, err := p.pool.Exec(ctx, `UPDATE customers SET status = $1, updated_at = now()
		WHERE batch_id = $2 AND status = $3`, StatusSkipped, batchID, StatusPending)
	if err != nil {
		return 0, fmt.Errorf("skip pending rows of batch %s: %w", batchID, err)
	}
	return int(tag.RowsAffected()), nil
}

// Customers implements Store.
func (p *Postgres) Customers(ctx context.Context, batchID string, offset, limit int) ([]CustomerRecord, error) {
	rows, err := p.pool.Query(ctx, `SELECT idx, login, name, status, attempts, workflow_id,
		result, updated_at FROM customers WHERE batch_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3`,
		batchID, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("list rows of batch %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []CustomerRecord
	for rows.Next() {
		var c CustomerRecord
		var result []byte
		if err := rows.Scan(&c.Index, &c.Login, &c.Name, &c.Status, &c.Attempts,
			&c.WorkflowID, &result, &c.UpdatedAt); err != nil {
			return nil, fmt.Errorf("read row of batch %s: %w", batchID, err)
		}
		c.Result = result
		c.UpdatedAt = c.UpdatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Counts implements Store.
func (p *Postgres) Counts(ctx context.Context, batchID string) (map[string]int, error) {
	rows, err := p.pool.Query(ctx,
		`SELECT status, COUNT(*) FROM customers WHERE batch_id = $1 GROUP BY status`, batchID)
	if err != nil {
		return nil, fmt.Errorf("count rows of batch %s: %w", batchID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("read row count of batch %s: %w", batchID, err)
		}
		out[status] = n
	}
	return out, rows.Err()
}

func checkPostgresUpdated(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update %s: %w", what, ErrNotFound)
	}
	return nil
}
