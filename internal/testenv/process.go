package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/workflows"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binaries builds the worker and starter commands once per test process and returns
// the folder that holds it.
func Binaries(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "batchcustomers-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+"/", "./worker", "./starter")
		cmd.Dir = moduleRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build commands: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binDir
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is a child process that a test starts, stops and kills.
type Process struct {
	t    testing.TB
	name string
	args []string
	env  []string
	log  string
	cmd  *exec.Cmd
}

// StartProcess runs a command with extra environment variables; its
// output goes to a log file in the test's temporary folder.
func StartProcess(t testing.TB, name string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{t: t, name: name, args: args, env: env,
		log: filepath.Join(t.TempDir(), filepath.Base(name)+".log")}
	p.Start()
	t.Cleanup(func() { p.Stop() })
	return p
}

// Start starts the process again after Stop or Kill.
func (p *Process) Start() {
	p.t.Helper()
	out, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(p.t, err)
	cmd := exec.Command(p.name, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(p.t, cmd.Start())
	p.cmd = cmd
}

// Output returns what the process has written to stdout and stderr so
// far, across restarts.
func (p *Process) Output() string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return fmt.Sprintf("(read %s: %v)", p.log, err)
	}
	return string(data)
}

// Stop sends SIGTERM and waits for the process to end.
func (p *Process) Stop() { p.signal(syscall.SIGTERM) }

// Kill sends SIGKILL, as a crash would, and waits.
func (p *Process) Kill() { p.signal(syscall.SIGKILL) }

func (p *Process) signal(sig syscall.Signal) {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	p.cmd = nil
}

// TemporalProcess is a dev server the test runs as its own process, so
// it can stop and restart it on the same database file.
type TemporalProcess struct {
	*Process
	Address string
	// MetricsURL serves the server's own Prometheus metrics.
	MetricsURL string
}

// StartTemporalProcess starts the pinned dev server on a free port with a
// SQLite file database, WAL and the service's search attributes.
func StartTemporalProcess(t testing.TB) *TemporalProcess {
	t.Helper()
	port, metricsPort := FreePort(t), FreePort(t)
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--headless", "--log-level", "warn", "--db-filename", filepath.Join(t.TempDir(), "temporal.db"),
		"--metrics-port", strconv.Itoa(metricsPort)}
	args = append(args, DevServerArgs...)
	names := workflows.SearchAttributes()
	for _, name := range []string{"BatchId", "BatchStatus", "CustomerLogin", "CustomerStatus", "CustomerIndex", "ResellerId"} {
		args = append(args, "--search-attribute", name+"="+names[name])
	}
	tp := &TemporalProcess{Process: StartProcess(t, TemporalBinary(t), nil, args...),
		Address: "127.0.0.1:" + strconv.Itoa(port), MetricsURL: "http://127.0.0.1:" + strconv.Itoa(metricsPort) + "/metrics"}
	tp.WaitReady()
	return tp
}

// WaitReady waits until the server passes health checks.
func (tp *TemporalProcess) WaitReady() {
	tp.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := client.Dial(client.Options{HostPort: tp.Address, Logger: app.SDKLogger(zap.NewNop())})
		if err == nil {
			_, err = c.CheckHealth(context.Background(), &client.CheckHealthRequest{})
			c.Close()
			if err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			tp.t.Fatalf("Temporal at %s did not become ready: %v", tp.Address, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// PID returns the process id, or 0 when the process is not running.
func (p *Process) PID() int {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// PeakRSS returns the process's peak resident set size in bytes, read
// from /proc (Linux only), or 0 when it cannot be read.
func (p *Process) PeakRSS() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// clockTicks is the unit of the CPU times in /proc/PID/stat, USER_HZ,
// which is 100 on Linux for every architecture Go supports.
const clockTicks = 100

// CPUTime returns the user and system CPU time the process has used so
// far, read from /proc (Linux only), or 0 when it cannot be read.
func (p *Process) CPUTime() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.PID()))
	if err != nil {
		return 0
	}
	// The command name in parentheses may contain spaces, so count the
	// fields after its closing parenthesis: utime and stime are the 12th
	// and 13th there.
	end := strings.LastIndexByte(string(data), ')')
	if end < 0 {
		return 0
	}
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 13 {
		return 0
	}
	var user, system int64
	if _, err := fmt.Sscan(fields[11], &user); err != nil {
		return 0
	}
	if _, err := fmt.Sscan(fields[12], &system); err != nil {
		return 0
	}
	return time.Duration(user+system) * time.Second / clockTicks
}
