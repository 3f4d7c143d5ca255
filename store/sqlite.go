package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// SQLite is the embedded Store for one machine. The endpoint and the
// workers open the same file; WAL mode lets them read while one writes.
type SQLite struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS batches (
	id           TEXT PRIMARY KEY,
	workflow_id  TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	total        INTEGER NOT NULL,
	reseller_id  INTEGER NOT NULL,
	product_id   INTEGER NOT NULL,
	state        TEXT NOT NULL,
	state_reason TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
	batch_id    TEXT NOT NULL REFERENCES batches(id),
	idx         INTEGER NOT NULL,
	login       TEXT NOT NULL,
	name        TEXT NOT NULL,
	data        BLOB NOT NULL,
	status      TEXT NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	workflow_id TEXT NOT NULL DEFAULT '',
	result      BLOB,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (batch_id, idx)
);
CREATE INDEX IF NOT EXISTS customers_status ON customers(batch_id, status);
CREATE TABLE IF NOT EXISTS row_versions (
	batch_id TEXT NOT NULL,
	idx      INTEGER NOT NULL,
	version  INTEGER NOT NULL,
	data     BLOB NOT NULL,
	PRIMARY KEY (batch_id, idx, version)
);
CREATE TABLE IF NOT EXISTS attempts (
	batch_id    TEXT NOT NULL,
	idx         INTEGER NOT NULL,
	workflow_id TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	status      TEXT NOT NULL,
	result      BLOB,
	finished_at INTEGER NOT NULL,
	PRIMARY KEY (batch_id, idx, workflow_id)
);
`

// OpenSQLite opens (and creates when missing) the store file at path.
func OpenSQLite(path string) (*SQLite, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create store folder: %w", err)
	}
	// busy_timeout makes a writer wait for the other process's write
	// instead of failing with SQLITE_BUSY.
	dsn := "file:" + path +
		"?_pragma=journal_mode(wal)&_pragma=synchronous(normal)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(on)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// One connection per process serialises this process's writes; the
	// busy timeout covers the other process.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create store schema in %s: %w", path, err)
	}
	return &SQLite{db: db}, nil
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

func now() int64 { return time.Now().UTC().UnixMilli() }

// CreateBatch implements Store.
func (s *SQLite) CreateBatch(ctx context.Context, b Batch, rows []Row) (Batch, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Batch{}, false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	existing, err := scanBatch(tx.QueryRowContext(ctx, batchQuery, b.ID))
	if err == nil {
		return existing, false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Batch{}, false, err
	}

	ts := now()
	if b.State == "" {
		b.State = StateAccepted
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO batches
		(id, workflow_id, request_hash, total, reseller_id, product_id, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.WorkflowID, b.RequestHash, len(rows), b.ResellerID, b.ProductID, b.State, ts, ts)
	if err != nil {
		return Batch{}, false, fmt.Errorf("insert batch %s: %w", b.ID, err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO customers
		(batch_id, idx, login, name, data, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return Batch{}, false, fmt.Errorf("prepare rows: %w", err)
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, b.ID, r.Index, r.Login, r.Name, []byte(r.Data), StatusPending, ts); err != nil {
			return Batch{}, false, fmt.Errorf("insert row %d of batch %s: %w", r.Index, b.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Batch{}, false, fmt.Errorf("commit batch %s: %w", b.ID, err)
	}
	b.Total = len(rows)
	b.CreatedAt = time.UnixMilli(ts).UTC()
	b.UpdatedAt = b.CreatedAt
	return b, true, nil
}

const batchQuery = `SELECT id, workflow_id, request_hash, total, reseller_id, product_id,
	state, state_reason, created_at, updated_at FROM batches WHERE id = ?`

func scanBatch(row *sql.Row) (Batch, error) {
	var b Batch
	var created, updated int64
	err := row.Scan(&b.ID, &b.WorkflowID, &b.RequestHash, &b.Total, &b.ResellerID,
		&b.ProductID, &b.State, &b.StateReason, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, ErrNotFound
	}
	if err != nil {
		return Batch{}, fmt.Errorf("read batch: %w", err)
	}
	b.CreatedAt = time.UnixMilli(created).UTC()
	b.UpdatedAt = time.UnixMilli(updated).UTC()
	return b, nil
}

// Batch implements Store.
func (s *SQLite) Batch(ctx context.Context, id string) (Batch, error) {
	return scanBatch(s.db.QueryRowContext(ctx, batchQuery, id))
}

// SetBatchState implements Store.
func (s *SQLite) SetBatchState(ctx context.Context, id, state, reason string) error {
	res, err := s.db.ExecContext(ctx,
		`UPDATE batches SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?`, state, reason, now(), id)
	return checkUpdated(res, err, "batch "+id)
}

// Row implements Store.
func (s *SQLite) Row(ctx context.Context, batchID string, index, version int) (Row, error) {
	r := Row{Index: index}
	var data []byte
	err := s.db.QueryRowContext(ctx,
		`SELECT login, name, data FROM customers WHERE batch_id = ? AND idx = ?`,
		batchID, index).Scan(&r.Login, &r.Name, &data)
	if err == nil && version > 0 {
		err = s.db.QueryRowContext(ctx,
			`SELECT data FROM row_versions WHERE batch_id = ? AND idx = ? AND version = ?`,
			batchID, index, version).Scan(&data)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Row{}, fmt.Errorf("row %d version %d of batch %s: %w", index, version, batchID, ErrNotFound)
	}
	if err != nil {
		return Row{}, fmt.Errorf("read row %d of batch %s: %w", index, batchID, err)
	}
	r.Data = data
	return r, nil
}

// AddRowVersion implements Store.
func (s *SQLite) AddRowVersion(ctx context.Context, batchID string, index int, data json.RawMessage) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var exists int
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE batch_id = ? AND idx = ?`,
		batchID, index).Scan(&exists)
	if err != nil {
		return 0, fmt.Errorf("look up row %d of batch %s: %w", index, batchID, err)
	}
	if exists == 0 {
		return 0, fmt.Errorf("row %d of batch %s: %w", index, batchID, ErrNotFound)
	}
	var version int
	err = tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM row_versions
		WHERE batch_id = ? AND idx = ?`, batchID, index).Scan(&version)
	if err != nil {
		return 0, fmt.Errorf("number row version: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO row_versions (batch_id, idx, version, data) VALUES (?, ?, ?, ?)`,
		batchID, index, version, []byte(data))
	if err != nil {
		return 0, fmt.Errorf("store row %d version %d of batch %s: %w", index, version, batchID, err)
	}
	return version, tx.Commit()
}

// StartCustomer implements Store.
func (s *SQLite) StartCustomer(ctx context.Context, batchID string, index int, workflowID string) error {
	// An activity retried after a lost response must not count twice, so
	// the attempt counts only when the workflow id changes.
	res, err := s.db.ExecContext(ctx, `UPDATE customers SET status = ?,
		attempts = attempts + (CASE WHEN workflow_id = ? THEN 0 ELSE 1 END),
		workflow_id = ?, updated_at = ? WHERE batch_id = ? AND idx = ?`,
		StatusRunning, workflowID, workflowID, now(), batchID, index)
	return checkUpdated(res, err, fmt.Sprintf("row %d of batch %s", index, batchID))
}

// FinishCustomer implements Store. A retried activity writes the same
// attempt again, which replaces it rather than adding one.
func (s *SQLite) FinishCustomer(ctx context.Context, batchID string, index int, workflowID, status string, result json.RawMessage) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	ts := now()
	res, err := tx.ExecContext(ctx, `UPDATE customers SET status = ?, result = ?, workflow_id = ?, updated_at = ?
		WHERE batch_id = ? AND idx = ?`, status, []byte(result), workflowID, ts, batchID, index)
	if err := checkUpdated(res, err, fmt.Sprintf("row %d of batch %s", index, batchID)); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO attempts (batch_id, idx, workflow_id, attempt, status, result, finished_at)
		VALUES (?, ?, ?, (SELECT COUNT(*) + 1 FROM attempts WHERE batch_id = ? AND idx = ? AND workflow_id <> ?), ?, ?, ?)
		ON CONFLICT (batch_id, idx, workflow_id) DO UPDATE SET
			status = excluded.status, result = excluded.result, finished_at = excluded.finished_at`,
		batchID, index, workflowID, batchID, index, workflowID, status, []byte(result), ts)
	if err != nil {
		return fmt.Errorf("record attempt at row %d of batch %s: %w", index, batchID, err)
	}
	return tx.Commit()
}

// Attempts implements Store.
func (s *SQLite) Attempts(ctx context.Context, batchID string, index int) ([]Attempt, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT attempt, workflow_id, status, result, finished_at FROM attempts
		WHERE batch_id = ? AND idx = ? ORDER BY attempt`, batchID, index)
	if err != nil {
		return nil, fmt.Errorf("list attempts at row %d of batch %s: %w", index, batchID, err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var result []byte
		var finished int64
		if err := rows.Scan(&a.Attempt, &a.WorkflowID, &a.Status, &result, &finished); err != nil {
			return nil, fmt.Errorf("read attempt: %w", err)
		}
		a.Result = result
		a.FinishedAt = time.UnixMilli(finished).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// SkipPending implements Store.
func (s *SQLite) SkipPending(ctx context.Context, batchID string) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE customers SET status = ?, updated_at = ?
		WHERE batch_id = ? AND status = ?`, StatusSkipped, now(), batchID, StatusPending)
	if err != nil {
		return 0, fmt.Errorf("skip pending rows of batch %s: %w", batchID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Customers implements Store.
func (s *SQLite) Customers(ctx context.Context, batchID string, offset, limit int) ([]CustomerRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT idx, login, name, status, attempts, workflow_id,
		result, updated_at FROM customers WHERE batch_id = ? AND idx >= ? ORDER BY idx LIMIT ?`,
		batchID, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("list rows of batch %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []CustomerRecord
	for rows.Next() {
		var c CustomerRecord
		var result []byte
		var updated int64
		if err := rows.Scan(&c.Index, &c.Login, &c.Name, &c.Status, &c.Attempts,
			&c.WorkflowID, &result, &updated); err != nil {
			return nil, fmt.Errorf("read row of batch %s: %w", batchID, err)
		}
		c.Result = result
		c.UpdatedAt = time.UnixMilli(updated).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Counts implements Store.
func (s *SQLite) Counts(ctx context.Context, batchID string) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT status, COUNT(*) FROM customers WHERE batch_id = ? GROUP BY status`, batchID)
	if err != nil {
		return nil, fmt.Errorf("count rows of batch %s: %w", batchID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, err
		}
		out[status] = n
	}
	return out, rows.Err()
}

func checkUpdated(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("update %s: %w", what, ErrNotFound)
	}
	return nil
}
