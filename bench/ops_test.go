package bench_test

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// temporalOps reads the dev server's own counters by operation: the
// frontend's requests and the persistence operations of all its services.
// Comparing the service's with the ceiling's shows what extra work the
// service gives Temporal per customer.
func temporalOps(b *testing.B, url string) map[string]float64 {
	// The counters trail the requests (by up to a few seconds here), so
	// read until the request counts stop changing.
	ops := scrapeOps(b, url)
	for range 10 {
		time.Sleep(2 * time.Second)
		next := scrapeOps(b, url)
		if requests(next) == requests(ops) {
			return next
		}
		ops = next
	}
	return ops
}

// requests sums the frontend requests among ops.
func requests(ops map[string]float64) float64 {
	var n float64
	for name, v := range ops {
		if strings.HasPrefix(name, requestPrefix) {
			n += v
		}
	}
	return n
}

const requestPrefix = "request "

// scrapeOps reads the counters once.
func scrapeOps(b *testing.B, url string) map[string]float64 {
	resp, err := http.Get(url)
	require.NoError(b, err, "read the dev server's metrics")
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(b, err, "parse the dev server's metrics")

	ops := map[string]float64{}
	add := func(family, prefix string, keep func(labels map[string]string) bool) {
		f := families[family]
		if f == nil {
			return
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if keep(labels) {
				ops[prefix+labels["operation"]] += m.GetCounter().GetValue()
			}
		}
	}
	add("service_requests", requestPrefix, func(l map[string]string) bool { return l["service_name"] == "frontend" })
	add("persistence_requests", "store ", func(map[string]string) bool { return true })
	return ops
}

// printOps prints the operations that happen at least once every ten
// customers in either run, per customer, most frequent first.
func printOps(svc, ceiling map[string]float64, customers int) {
	names := make([]string, 0, len(svc))
	seen := map[string]bool{}
	for _, m := range []map[string]float64{svc, ceiling} {
		for name, n := range m {
			if !seen[name] && n/float64(customers) >= 0.1 {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if svc[names[i]] != svc[names[j]] {
			return svc[names[i]] > svc[names[j]]
		}
		return names[i] < names[j]
	})
	fmt.Println("Temporal's own counters per customer (requests to the frontend, store operations):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  operation\tservice\tTemporal ceiling\t")
	for _, name := range names {
		fmt.Fprintf(tw, "  %s\t%.2f\t%.2f\t\n", name, svc[name]/float64(customers), ceiling[name]/float64(customers))
	}
	_ = tw.Flush()
}
