// Package faults_test is the fault matrix: each test runs batches on the
// real dev server, worker processes and the billing emulator while one
// kind of failure happens, then checks the emulator's final state. Run
// `make faults` to see the table of results that TestMain prints.
package faults_test

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

type matrixRow struct {
	number   int
	scenario string
	outcome
	took   time.Duration
	passed bool
}

var (
	matrixMu sync.Mutex
	matrix   []matrixRow
)

// record adds the test's row to the table once the test has ended.
func record(t *testing.T, number int, scenario string, o *outcome) {
	start := time.Now()
	t.Cleanup(func() {
		matrixMu.Lock()
		defer matrixMu.Unlock()
		matrix = append(matrix, matrixRow{number: number, scenario: scenario, outcome: *o,
			took: time.Since(start), passed: !t.Failed()})
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	printMatrix()
	os.Exit(code)
}

func printMatrix() {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	if len(matrix) == 0 {
		return
	}
	sort.Slice(matrix, func(i, j int) bool { return matrix[i].number < matrix[j].number })
	fmt.Println("\nFault matrix (real dev server, worker processes, billing emulator):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tscenario\tcustomers\tcreated\tfailed\trolled back\tduplicates\ttime\tresult")
	for _, r := range matrix {
		result := "PASS"
		if !r.passed {
			result = "FAIL"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.number, r.scenario, r.customers,
			r.created, r.failed, r.rolledBack, r.duplicates, r.took.Round(time.Second), result)
	}
	_ = tw.Flush()
}
