package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// postgresInstallHint ends every message about a missing PostgreSQL.
const postgresInstallHint = "install the Debian package postgresql (apt-get install postgresql); .ci/run does this"

// debianPostgresBins is the glob of Debian's server binary folders, one
// per major version, which are not on PATH. It is a variable so that a
// test can point it elsewhere.
var debianPostgresBins = "/usr/lib/postgresql/*/bin"

// PostgresServer is a private PostgreSQL server that a test started.
type PostgresServer struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	// SocketDir holds the server's Unix socket.
	SocketDir string
	databases atomic.Int32
}

// StartPostgres starts a private PostgreSQL server (see
// StartPostgresServer) and returns the URL of a new, empty database on it.
func StartPostgres(t testing.TB) string {
	t.Helper()
	return StartPostgresServer(t).NewDatabase(t)
}

// StartPostgresServer runs initdb in a temporary folder and starts the
// server on a free port of 127.0.0.1, with trust authentication for the
// superuser postgres and fsync off. It stops the server and deletes the
// folder when the test ends. Run as root, it runs both programs as the
// postgres OS user, because PostgreSQL refuses to run as root. A machine
// without the server binaries fails the test.
func StartPostgresServer(t testing.TB) *PostgresServer {
	t.Helper()
	binDir, err := PostgresBinDir()
	if err != nil {
		t.Fatal(err)
	}
	cred, err := postgresCredential()
	if err != nil {
		t.Fatal(err)
	}

	// Not t.TempDir: its parent folder is private to root, so the
	// postgres user could not enter it.
	root, err := os.MkdirTemp("", "batchcustomers-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	if cred != nil {
		require.NoError(t, os.Chown(root, int(cred.Uid), int(cred.Gid)))
	}
	dataDir := filepath.Join(root, "data")

	initdb := exec.Command(filepath.Join(binDir, "initdb"), "--pgdata", dataDir,
		"--username", "postgres", "--auth", "trust", "--encoding", "UTF8", "--locale", "C",
		"--no-sync", "--no-instructions")
	initdb.Dir = root
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb %s: %v\n%s", dataDir, err, out)
	}

	port := FreePort(t)
	out := &syncBuffer{}
	cmd := exec.Command(filepath.Join(binDir, "postgres"), "-D", dataDir,
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(port),
		"-c", "unix_socket_directories="+root,
		// A throwaway server needs no durability.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: cred,
		// Ends the server if the test process dies without running its
		// cleanups, as on a -timeout panic. The temporary folder stays.
		Pdeathsig: syscall.SIGQUIT,
	}
	require.NoError(t, cmd.Start(), "start postgres")
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { stopPostgres(t, cmd, exited) })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("PostgreSQL server output:\n%s", out.tail(8<<10))
		}
	})

	s := &PostgresServer{Addr: "127.0.0.1:" + strconv.Itoa(port), SocketDir: root}
	s.waitReady(t, exited, out)
	return s
}

// stopPostgres requests a fast shutdown (SIGINT: roll back open
// transactions, close sessions) and kills the server if it takes longer
// than 30 seconds.
func stopPostgres(t testing.TB, cmd *exec.Cmd, exited chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Logf("PostgreSQL pid %d did not stop within 30s of SIGINT; killing it", cmd.Process.Pid)
		_ = cmd.Process.Kill()
		<-exited
	}
}

// waitReady connects until the server accepts sessions, for at most 30
// seconds.
func (s *PostgresServer) waitReady(t testing.TB, exited chan struct{}, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.url("postgres"))
		if err == nil {
			_ = conn.Close(ctx)
			cancel()
			return
		}
		cancel()
		select {
		case <-exited:
			t.Fatalf("PostgreSQL exited before accepting connections on %s:\n%s", s.Addr, out.tail(8<<10))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL on %s did not accept connections within 30s: %v", s.Addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// NewDatabase creates an empty database on the server and returns its
// URL. The server and the database go away when the server's test ends.
func (s *PostgresServer) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", s.databases.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	require.NoError(t, err, "connect to PostgreSQL on %s", s.Addr)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err, "create database %s", name)
	return s.url(name)
}

func (s *PostgresServer) url(database string) string {
	return "postgres://postgres@" + s.Addr + "/" + database + "?sslmode=disable"
}

// PostgresBinDir returns the folder that holds initdb and postgres: the
// folder of the initdb on PATH, or else the newest version under
// /usr/lib/postgresql. The error names the package to install.
func PostgresBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		// Resolve a symlink so that postgres comes from the same version.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if dir := filepath.Dir(p); isFile(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob(filepath.Join(debianPostgresBins, "initdb"))
	// Newest major version first: 9.6 < 10 < 15, so compare numbers.
	sort.Slice(matches, func(i, j int) bool {
		return postgresMajor(matches[i]) > postgresMajor(matches[j])
	})
	for _, m := range matches {
		if dir := filepath.Dir(m); isFile(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL server binaries initdb and postgres not found on PATH or in %s: %s",
		debianPostgresBins, postgresInstallHint)
}

// postgresMajor returns the version folder's number in
// /usr/lib/postgresql/VERSION/bin/initdb, or 0.
func postgresMajor(initdb string) float64 {
	version := filepath.Base(filepath.Dir(filepath.Dir(initdb)))
	v, err := strconv.ParseFloat(version, 64)
	if err != nil {
		return 0
	}
	return v
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// postgresCredential returns the postgres OS user's ids when the test
// runs as root, and nil otherwise (the server then runs as the caller).
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres OS user, which does not exist: %s",
				postgresInstallHint)
		}
		return nil, fmt.Errorf("look up the postgres OS user: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse uid %q of the postgres user: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse gid %q of the postgres user: %w", u.Gid, err)
	}
	// Groups nil drops root's supplementary groups.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
