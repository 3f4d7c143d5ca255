package bench_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/wire"
)

// BenchmarkAccept posts one large batch as XML to the endpoint, with no
// worker so that only the accepting is measured, and prints the response
// time and the endpoint's peak RSS. The baseline is decoding the same
// body in this process, with nothing stored or started.
// BENCH_ACCEPT_CUSTOMERS sets the batch size (default 10,000).
func BenchmarkAccept(b *testing.B) {
	customers := 10000
	if v := os.Getenv("BENCH_ACCEPT_CUSTOMERS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err, "BENCH_ACCEPT_CUSTOMERS")
		customers = n
	}
	body, err := wire.EncodeXML(testenv.MakeBatch(b, customers, 0), nil)
	require.NoError(b, err)

	decodeStart := time.Now()
	_, err = wire.DecodeXML(bytes.NewReader(body))
	require.NoError(b, err)
	decode := time.Since(decodeStart)

	tp := testenv.StartTemporalProcess(b)
	port := testenv.FreePort(b)
	endpoint := testenv.StartProcess(b, filepath.Join(testenv.Binaries(b), "starter"), []string{
		"BATCH_TEMPORAL_ADDRESS=" + tp.Address, "BATCH_TASK_QUEUE=bench-accept",
		"BATCH_STORE_PATH=" + filepath.Join(b.TempDir(), "batches.db"),
		"BATCH_LOG_LEVEL=warn", "BATCH_METRICS_ADDR=", "BATCH_HTTP_ADDR=127.0.0.1:" + strconv.Itoa(port),
		"BATCH_MAX_CUSTOMERS=" + strconv.Itoa(max(customers, 10000)),
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	waitHealthy(b, base)
	idle := endpoint.PeakRSS()

	start := time.Now()
	resp, err := http.Post(base+"/BatchCreateCustomers", "application/xml", bytes.NewReader(body))
	require.NoError(b, err)
	resp.Body.Close()
	accepted := time.Since(start)
	require.Equal(b, http.StatusNoContent, resp.StatusCode)
	peak := endpoint.PeakRSS()

	fmt.Printf("\naccept %d customers: %s of XML\n", customers, mib(int64(len(body))))
	fmt.Printf("endpoint answered in %s; decoding alone took %s in the benchmark process (ratio %.1f)\n",
		accepted.Round(time.Millisecond), decode.Round(time.Millisecond), accepted.Seconds()/decode.Seconds())
	fmt.Printf("endpoint peak RSS %s, %s when idle; target under 300 MiB\n", mib(peak), mib(idle))
	b.ReportMetric(float64(peak)/(1<<20), "endpoint_MiB")
	b.ReportMetric(accepted.Seconds(), "accept_s")
}
