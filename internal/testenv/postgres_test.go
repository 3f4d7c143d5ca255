package testenv

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Debian's postgresql package leaves initdb off PATH, so the search must
// find it in /usr/lib/postgresql without help.
func TestPostgresBinDirOffPath(t *testing.T) {
	t.Setenv("PATH", "/usr/bin:/bin")
	dir, err := PostgresBinDir()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(dir, "/usr/lib/postgresql/"), dir)
	assert.FileExists(t, filepath.Join(dir, "initdb"))
	assert.FileExists(t, filepath.Join(dir, "postgres"))
}

func TestPostgresBinDirMissingNamesPackage(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	saved := debianPostgresBins
	debianPostgresBins = filepath.Join(t.TempDir(), "*", "bin")
	t.Cleanup(func() { debianPostgresBins = saved })

	_, err := PostgresBinDir()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "install the Debian package postgresql")
}

func TestPostgresMajorOrdersNumerically(t *testing.T) {
	assert.Greater(t, postgresMajor("/usr/lib/postgresql/15/bin/initdb"), postgresMajor("/usr/lib/postgresql/9.6/bin/initdb"))
	assert.Zero(t, postgresMajor("/opt/pg/bin/initdb"))
}

func TestStartPostgresServesNewDatabases(t *testing.T) {
	srv := StartPostgresServer(t)
	first, second := srv.NewDatabase(t), srv.NewDatabase(t)
	assert.NotEqual(t, first, second)
	assert.True(t, strings.HasPrefix(first, "postgres://postgres@127.0.0.1:"), first)
	assert.FileExists(t, filepath.Join(srv.SocketDir, ".s.PGSQL."+strings.Split(srv.Addr, ":")[1]))
}
