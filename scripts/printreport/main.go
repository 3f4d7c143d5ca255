// Command printreport prints a GET /batches/{id} JSON report, read from
// standard input, as one line per customer. The demo uses it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/portaplus2/batchcustomers/api"
)

func main() {
	var rep api.BatchReport
	if err := json.NewDecoder(os.Stdin).Decode(&rep); err != nil {
		fmt.Fprintln(os.Stderr, "printreport: read report:", err)
		os.Exit(1)
	}
	fmt.Printf("%-5s %-20s %-16s %s\n", "index", "login", "status", "billing records or failure")
	for _, c := range rep.Customers {
		fmt.Printf("%-5d %-20s %-16s %s\n", c.Index, c.Login, c.Status, describe(c))
	}
}

func describe(c api.CustomerReport) string {
	r := c.Result
	if r == nil {
		return ""
	}
	if r.Error != nil {
		return fmt.Sprintf("failed at %s: %s (%s); undone: %s", r.FailedStep, r.Error.Message, r.Error.Code,
			strings.Join(r.RolledBack, ", "))
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("i_customer %d", r.ICustomer))
	for _, a := range r.Accounts {
		parts = append(parts, fmt.Sprintf("account %s (i_account %d)", a.ID, a.IAccount))
	}
	if r.Alias != nil && r.Alias.ID != "" {
		parts = append(parts, fmt.Sprintf("alias %s (i_account %d)", r.Alias.ID, r.Alias.IAccount))
	}
	for _, e := range r.Extensions {
		parts = append(parts, fmt.Sprintf("extension %s (i_c_ext %d)", e.Number, e.ICExt))
	}
	return strings.Join(parts, ", ")
}
