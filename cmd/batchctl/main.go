// Command batchctl finds, follows and repairs batches through the
// service's HTTP endpoint.
//
//	batchctl [-url URL] status  BATCH_ID [-offset N] [-limit N]
//	batchctl [-url URL] report  BATCH_ID            (CSV, one line per customer)
//	batchctl [-url URL] failed  BATCH_ID [-format xml|json]
//	batchctl [-url URL] retry   BATCH_ID (-all | -index N ...) [-fix N=row.json ...]
//	batchctl [-url URL] pause   BATCH_ID [-reason TEXT]
//	batchctl [-url URL] resume  BATCH_ID
//	batchctl [-url URL] cancel  BATCH_ID
//
// The endpoint URL comes from -url, else BATCH_ENDPOINT_URL, else
// http://127.0.0.1:8080.
package main

import (
	"bytes"
	"context"
	"encoding/json"

	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/portaplus2/batchcustomers/api"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "batchctl:", err)
		os.Exit(1)
	}
}

const commandsHelp = `usage: batchctl [-url URL] [-license KEY] COMMAND BATCH_ID [options]

commands:
  status  BATCH_ID [-offset N] [-limit N]   state, counts and customers
  report  BATCH_ID                          CSV, one line per customer
  failed  BATCH_ID [-format xml|json]       the failed customers as a request body
  retry   BATCH_ID (-all | -index N ...) [-fix N=row.json ...]
  pause   BATCH_ID [-reason TEXT]
  resume  BATCH_ID
  cancel  BATCH_ID

options:
`

// usageError marks a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string {
	return e.msg + "\nusage: batchctl [-url URL] status|report|failed|retry|pause|resume|cancel BATCH_ID [options]"
}

func run(ctx context.Context, args []string, out io.Writer) error {
	global := flag.NewFlagSet("batchctl", flag.ContinueOnError)
	base := global.String("url", envOr("BATCH_ENDPOINT_URL", "http://127.0.0.1:8080"), "endpoint base URL")
	license := global.String("license", os.Getenv("BATCH_LICENSE"), "licence sent to an endpoint that checks licences (default $BATCH_LICENSE)")
	global.Usage = func() {
		fmt.Fprint(global.Output(), commandsHelp)
		global.PrintDefaults()
	}
	if err := global.Parse(args); err != nil {
		return err
	}
	rest := global.Args()
	if len(rest) < 2 {
		return usageError{"a command and a batch id are required"}
	}
	c := &client{base: strings.TrimRight(*base, "/"), license: *license, http: &http.Client{Timeout: 60 * time.Second}}
	cmd, id, opts := rest[0], url.PathEscape(rest[1]), rest[2:]

	switch cmd {
	case "status":
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		offset := fs.Int("offset", 0, "first customer index")
		limit := fs.Int("limit", 1000, "customers per page")
		if err := fs.Parse(opts); err != nil {
			return err
		}
		return c.do(ctx, out, http.MethodGet, fmt.Sprintf("/batches/%s?offset=%d&limit=%d", id, *offset, *limit), nil)
	case "report":
		return c.do(ctx, out, http.MethodGet, "/batches/"+id+"/report.csv", nil)
	case "failed":
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		format := fs.String("format", "xml", "xml or json")
		if err := fs.Parse(opts); err != nil {
			return err
		}
		if *format != "xml" && *format != "json" {
			return usageError{fmt.Sprintf("-format must be xml or json, got %q", *format)}
		}
		return c.do(ctx, out, http.MethodGet, "/batches/"+id+"/failed."+*format, nil)
	case "retry":
		body, err := retryBody(opts)
		if err != nil {
			return err
		}
		return c.do(ctx, out, http.MethodPost, "/batches/"+id+"/retry", body)
	case "pause":
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		reason := fs.String("reason", "", "why the batch is paused")
		if err := fs.Parse(opts); err != nil {
			return err
		}
		return c.do(ctx, out, http.MethodPost, "/batches/"+id+"/pause", map[string]string{"Reason": *reason})
	case "resume", "cancel":
		return c.do(ctx, out, http.MethodPost, "/batches/"+id+"/"+cmd, nil)
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// intList collects repeated -index flags.
type intList []int

func (l *intList) String() string { return fmt.Sprint(*l) }

func (l *intList) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("customer index must be a whole number of at least 0, got %q", v)
	}
	*l = append(*l, n)
	return nil
}

// fixList collects repeated -fix INDEX=FILE flags.
type fixList []api.Correction

func (l *fixList) String() string { return fmt.Sprint(len(*l)) }

func (l *fixList) Set(v string) error {
	index, file, ok := strings.Cut(v, "=")
	n, err := strconv.Atoi(index)
	if !ok || err != nil || n < 0 {
		return fmt.Errorf("-fix takes INDEX=FILE with a CsvData row in JSON, got %q", v)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read corrected row: %w", err)
	}
	if !json.Valid(data) {
		return fmt.Errorf("corrected row %s is not valid JSON", file)
	}
	*l = append(*l, api.Correction{Index: n, Row: data})
	return nil
}

func retryBody(opts []string) (api.RetryBody, error) {
	fs := flag.NewFlagSet("retry", flag.ContinueOnError)
	all := fs.Bool("all", false, "retry every failed customer")
	var indexes intList
	var fixes fixList
	fs.Var(&indexes, "index", "customer index to retry (repeatable)")
	fs.Var(&fixes, "fix", "INDEX=FILE: retry with the CsvData row in FILE (JSON, repeatable)")
	if err := fs.Parse(opts); err != nil {
		return api.RetryBody{}, err
	}
	if !*all && len(indexes) == 0 {
		return api.RetryBody{}, usageError{"retry needs -all or at least one -index"}
	}
	return api.RetryBody{AllFailed: *all, Indexes: indexes, Corrections: fixes}, nil
}

type client struct {
	base    string
	license string
	http    *http.Client
}

// do sends one request and copies the body of a successful response to
// out. An error response becomes an error that carries the server's message.
func (c *client) do(ctx context.Context, out io.Writer, method, path string, body any) error {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if c.license != "" {
		req.Header.Set("Authorization", "Bearer "+c.license)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, errorMessage(data))
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var pretty bytes.Buffer
		if json.Indent(&pretty, data, "", "  ") == nil {
			data = append(pretty.Bytes(), '\n')
		}
	}
	_, err = out.Write(data)
	return err
}

// errorMessage pulls the messages out of a ServiceStack error body.
func errorMessage(data []byte) string {
	var e struct {
		ResponseStatus struct {
			Message string
			Errors  []struct{ FieldName, Message string }
		}
	}
	if json.Unmarshal(data, &e) != nil || e.ResponseStatus.Message == "" {
		return strings.TrimSpace(string(data))
	}
	msgs := []string{e.ResponseStatus.Message}
	for _, fe := range e.ResponseStatus.Errors {
		if fe.Message != e.ResponseStatus.Message || fe.FieldName != "" {
			msgs = append(msgs, fe.FieldName+": "+fe.Message)
		}
	}
	return strings.Join(msgs, "\n  ")
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
