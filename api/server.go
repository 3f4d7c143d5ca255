// Package api is the HTTP endpoint. It accepts BatchCustomerCreation
// requests on the ServiceStack routes existing clients use, validates
// them completely, stores the rows and starts the batch workflow before it
// responds, and reports batches while they run.
package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/provision"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

// Options configure the endpoint.
type Options struct {
	// ErrorThreshold is the batches' default error threshold; a request
	// may set its own with the error_threshold and error_threshold_after
	// query parameters.
	ErrorThreshold workflows.ErrorThreshold
	MaxBodyBytes   int64
	MaxCustomers   int
	// Licenses, when not empty, are the keys a request's License must
	// match.
	Licenses []string
	// TemporalUIURL and Namespace build links to batches in the UI.
	TemporalUIURL string
	Namespace     string
}

// Server serves the endpoint.
type Server struct {
	opts  Options
	store store.Store
	wf    Workflows
	log   *zap.Logger
	mux   *http.ServeMux
	// metrics, when set, counts requests.
	metrics RequestCounter
	// large admits one large request at a time (see largeBody).
	large chan struct{}
}

// largeBody is the body size from which requests are decoded one at a time.
// A large batch takes about twice its XML size in memory while it is
// accepted (200 MiB of RSS for a 104 MiB body). Taking such requests in
// turn keeps their memory to one at a time, and smaller requests never
// wait.
const largeBody = 1 << 20

// New returns a server that keeps batches in st and runs them with wf.
func New(opts Options, st store.Store, wf Workflows, log *zap.Logger) *Server {
	s := &Server{opts: opts, store: st, wf: wf, log: log, mux: http.NewServeMux(), large: make(chan struct{}, 1)}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /batches/{id}", s.operator(s.getBatch))
	s.mux.HandleFunc("GET /batches/{id}/report.csv", s.operator(s.getReportCSV))
	s.mux.HandleFunc("GET /batches/{id}/{file}", s.operator(s.getFailed))
	s.mux.HandleFunc("POST /batches/{id}/retry", s.operator(s.postRetry))
	s.mux.HandleFunc("POST /batches/{id}/cancel", s.operator(s.postCancel))
	s.mux.HandleFunc("POST /batches/{id}/pause", s.operator(s.postPause))
	s.mux.HandleFunc("POST /batches/{id}/resume", s.operator(s.postResume))
	s.mux.HandleFunc("/", s.route)
	return s
}

// Handler returns the HTTP handler of every route.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		s.mux.ServeHTTP(rec, r)
		if s.metrics != nil {
			route := r.Pattern
			if route == "/" {
				route = "servicestack"
			}
			s.metrics.CountRequest(route, rec.code)
		}
	})
}

// RequestCounter counts requests by route and status code.
type RequestCounter interface {
	CountRequest(route string, code int)
	Handler() http.Handler
}

// ServeMetrics adds GET /metrics and counts every request in m.
func (s *Server) ServeMetrics(m RequestCounter) {
	s.metrics = m
	s.mux.Handle("GET /metrics", m.Handler())
}

// ServeCodec mounts the payload codec server under /codec/ for the
// Temporal UI and CLI.
func (s *Server) ServeCodec(h http.Handler) {
	s.mux.Handle("/codec/", http.StripPrefix("/codec", h))
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// predefinedRoute matches ServiceStack's /{format}/{reply|oneway}/{operation}.
var predefinedRoute = regexp.MustCompile(`(?i)^/([a-z0-9]+)/(reply|oneway)/([A-Za-z0-9_]+)/?$`)

const operationName = "BatchCustomerCreation"

// route serves the ServiceStack routes, whose paths match without regard
// to case.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	lower := strings.ToLower(path)
	if r.Method != http.MethodPost {
		notFound(w, r)
		return
	}

	switch {
	case lower == "/batchcreatecustomers" || lower == "/batchcreatecustomers/":
		s.accept(w, r, routeCustom, "")
	case lower == "/batchcreatecustomers.xml":
		s.accept(w, r, routeCustom, formatXML)
	case lower == "/batchcreatecustomers.json":
		s.accept(w, r, routeCustom, formatJSON)
	case lower == "/soap12" || lower == "/soap11":
		s.accept(w, r, routeSOAP, formatXML)
	default:
		m := predefinedRoute.FindStringSubmatch(path)
		if m == nil {
			notFound(w, r)
			return
		}
		s.predefined(w, r, strings.ToLower(m[1]), strings.ToLower(m[2]), m[3])
	}
}

func (s *Server) predefined(w http.ResponseWriter, r *http.Request, format, kind, op string) {
	answer := formatXML
	if format == formatJSON {
		answer = formatJSON
	}
	if q := strings.ToLower(r.URL.Query().Get("format")); q == formatJSON || q == formatXML {
		answer = q
	}
	if format != formatXML && format != formatJSON {
		s.writeError(w, answer, http.StatusUnsupportedMediaType, wire.ResponseStatus{
			ErrorCode: "NotSupportedException",
			Message:   fmt.Sprintf("the %q format is not supported; use xml or json", format),
		})
		return
	}
	if !strings.EqualFold(op, operationName) {
		s.writeError(w, answer, http.StatusMethodNotAllowed, wire.ResponseStatus{
			ErrorCode: "NotImplementedException",
			Message:   fmt.Sprintf("The operation '%s' does not exist for this service", op),
			ErrorsNil: true,
		})
		return
	}
	rk := routeOneway
	if kind == "reply" {
		rk = routeReply
	}
	s.acceptAs(w, r, rk, format, answer)
}

type routeKind int

const (
	routeCustom routeKind = iota
	routeOneway
	routeReply
	routeSOAP
)

const (
	formatXML  = "xml"
	formatJSON = "json"
)

// accept handles the custom and SOAP routes, whose body format comes from
// the Content-Type header.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, rk routeKind, suffix string) {
	body := bodyFormat(r.Header.Get("Content-Type"))
	answer := negotiate(r, suffix, body)
	if rk == routeSOAP {
		s.acceptAs(w, r, rk, "soap", formatXML)
		return
	}
	if body == "" {
		if r.ContentLength == 0 {
			// An empty body is an empty request, which fails validation
			// as it does on the original host.
			body = answer
		} else {
			s.writeError(w, answer, http.StatusUnsupportedMediaType, wire.ResponseStatus{
				ErrorCode: "NotSupportedException",
				Message: fmt.Sprintf("Content-Type %q is not supported; send application/xml or application/json",
					r.Header.Get("Content-Type")),
			})
			return
		}
	}
	s.acceptAs(w, r, rk, body, answer)
}

// bodyFormat maps a Content-Type to xml or json, or "" when unknown.
func bodyFormat(contentType string) string {
	mt := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return formatJSON
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return formatXML
	}
	return ""
}

// negotiate picks the response format of the custom route: ?format, then
// the path suffix, then Accept (the request's own format first), then the
// request's format, then XML.
func negotiate(r *http.Request, suffix, body string) string {
	if q := strings.ToLower(r.URL.Query().Get("format")); q == formatJSON || q == formatXML {
		return q
	}
	if suffix != "" {
		return suffix
	}
	accept := strings.ToLower(r.Header.Get("Accept"))
	wantsJSON := strings.Contains(accept, "json")
	wantsXML := strings.Contains(accept, "xml")
	switch {
	case wantsJSON && wantsXML && body != "":
		return body
	case wantsJSON:
		return formatJSON
	case wantsXML:
		return formatXML
	case body != "":
		return body
	}
	return formatXML
}

// acceptAs decodes the body as format, validates it, stores it and starts
// its workflow, then responds in the given response format.
func (s *Server) acceptAs(w http.ResponseWriter, r *http.Request, rk routeKind, format, answer string) {
	if r.ContentLength > s.opts.MaxBodyBytes {
		s.tooLarge(w, answer, rk)
		return
	}
	if r.ContentLength < 0 || r.ContentLength > largeBody {
		select {
		case s.large <- struct{}{}:
			defer func() { <-s.large }()
		case <-r.Context().Done():
			s.log.Info("request abandoned while waiting for a large request before it",
				zap.String("route", r.URL.Path), zap.Error(r.Context().Err()))
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	dto, soapVersion, err := decode(r, format, wire.DecodeOptions{MaxCustomers: s.opts.MaxCustomers})
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.tooLarge(w, answer, rk)
			return
		}
		var tooLong *wire.TooLongError
		if errors.As(err, &tooLong) {
			s.log.Info("request rejected: too many customers", zap.String("route", r.URL.Path))
			s.writeErrorSOAP(w, rk, soapVersion, answer, http.StatusBadRequest,
				wire.ValidationStatus([]wire.FieldError{tooLong.FieldError}))
			return
		}
		ct := r.Header.Get("Content-Type")
		if rk == routeOneway || rk == routeReply {
			ct = format
		}
		st := wire.SerializationStatus(ct, err)
		s.log.Info("request rejected: body not readable", zap.String("route", r.URL.Path), zap.Error(err))
		s.writeErrorSOAP(w, rk, soapVersion, answer, http.StatusBadRequest, st)
		return
	}

	if !s.licensed(dto) {
		s.log.Warn("request rejected: licence not accepted", zap.String("route", r.URL.Path))
		s.writeErrorSOAP(w, rk, soapVersion, answer, http.StatusUnauthorized, wire.ResponseStatus{
			ErrorCode: "Unauthorized", Message: "the License of the request is missing or not accepted",
		})
		return
	}
	if problems := wire.Validate(dto, wire.ValidateOptions{MaxCustomers: s.opts.MaxCustomers}); len(problems) > 0 {
		s.log.Info("request rejected: validation failed", zap.Int("problems", len(problems)),
			zap.String("first_field", problems[0].FieldName))
		s.writeErrorSOAP(w, rk, soapVersion, answer, http.StatusBadRequest, wire.ValidationStatus(problems))
		return
	}

	batch, status, err := s.admit(r.Context(), r, dto)
	if err != nil {
		s.writeErrorSOAP(w, rk, soapVersion, answer, status.code, status.body)
		return
	}
	s.answerAccepted(w, rk, soapVersion, answer, batch)
}

func decode(r *http.Request, format string, opts wire.DecodeOptions) (*wire.BatchCustomerCreation, wire.SOAPVersion, error) {
	switch format {
	case formatJSON:
		dto, err := wire.DecodeJSONWith(r.Body, opts)
		return dto, 0, err
	case "soap":
		return wire.DecodeSOAPWith(r.Body, opts)
	}
	dto, err := wire.DecodeXMLWith(r.Body, opts)
	return dto, 0, err
}

func (s *Server) licensed(dto *wire.BatchCustomerCreation) bool {
	return s.validLicense(dto.EffectiveLicense())
}

// operator guards the /batches routes, which show customers' data and
// passwords: with licences configured a request must carry one, as
// "Authorization: Bearer <licence>" or an X-License header.
func (s *Server) operator(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		given := r.Header.Get("X-License")
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			given = bearer
		}
		if !s.validLicense(given) {
			s.log.Warn("operator request rejected: licence not accepted", zap.String("route", r.URL.Path))
			s.writeError(w, answerFormat(r), http.StatusUnauthorized, wire.ResponseStatus{ErrorCode: "Unauthorized",
				Message: "send a licence as Authorization: Bearer <licence> or an X-License header"})
			return
		}
		next(w, r)
	}
}

// validLicense compares a licence with every configured key in constant
// time; with no keys configured every request is accepted.
func (s *Server) validLicense(license string) bool {
	if len(s.opts.Licenses) == 0 {
		return true
	}
	given := []byte(license)
	ok := 0
	// Compare with every key so the time taken does not tell which key
	// came close.
	for _, key := range s.opts.Licenses {
		ok |= subtle.ConstantTimeCompare(given, []byte(key))
	}
	return ok == 1
}

type failure struct {
	code int
	body wire.ResponseStatus
}

// idempotencyKey limits client keys to characters that are safe in a
// workflow id.
var idempotencyKey = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// admit stores the batch and starts its workflow. The batch id is the
// Idempotency-Key header when given, else a hash of the request, so that
// a client's retry of the same request finds the same batch.
func (s *Server) admit(ctx context.Context, r *http.Request, dto *wire.BatchCustomerCreation) (store.Batch, failure, error) {
	threshold, err := s.errorThreshold(r)
	if err != nil {
		return store.Batch{}, failure{http.StatusBadRequest, wire.ResponseStatus{ErrorCode: "Invalid", Message: err.Error()}}, err
	}
	hash, err := requestHash(dto)
	if err != nil {
		return store.Batch{}, internalFailure(), err
	}
	id := hash[:32]
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if !idempotencyKey.MatchString(key) {
			return store.Batch{}, failure{http.StatusBadRequest, wire.ResponseStatus{
				ErrorCode: "Invalid",
				Message:   "the Idempotency-Key header must be 1 to 128 letters, digits, '.', '_', ':' or '-'",
			}}, errors.New("bad idempotency key")
		}
		id = key
	}

	rows := make([]store.Row, len(dto.CustData))
	for i := range dto.CustData {
		data, err := provision.EncodeRow(dto, i)
		if err != nil {
			return store.Batch{}, internalFailure(), err
		}
		rows[i] = store.Row{Index: i, Data: data}
		if c := dto.CustData[i].Customer; c != nil && c.Customer != nil && c.Customer.PersonalInformation != nil {
			rows[i].Login = c.Customer.PersonalInformation.Login
			rows[i].Name = c.Customer.PersonalInformation.Name
		}
		// The row now carries the customer, so drop the decoded one: a
		// large batch is then held once, not twice.
		dto.CustData[i] = wire.CsvData{}
	}
	b := store.Batch{
		ID: id, WorkflowID: workflows.BatchWorkflowID(id), RequestHash: hash,
		ResellerID: dto.ResellerID, ProductID: dto.ProductID,
	}
	stored, created, err := s.store.CreateBatch(ctx, b, rows)
	if err != nil {
		s.log.Error("store batch", zap.String("batch_id", id), zap.Error(err))
		return store.Batch{}, unavailable("the batch could not be stored"), err
	}
	if !created && stored.RequestHash != hash {
		return store.Batch{}, failure{http.StatusConflict, wire.ResponseStatus{
			ErrorCode: "Conflict",
			Message:   fmt.Sprintf("Idempotency-Key %q was already used for a different request", id),
		}}, errors.New("idempotency key reused")
	}

	start := BatchStart{
		BatchID: id, Total: len(rows), ResellerID: dto.ResellerID, ProductID: dto.ProductID,
		FeatureName: dto.FeatureName, ContentID: dto.ContentId, ErrorThreshold: threshold,
	}
	if !created && ended(stored.State) {
		// The batch has run: a resubmission must not run it again, even
		// after Temporal's retention has removed its workflow.
		s.log.Info("batch resubmitted after it ended", zap.String("batch_id", id), zap.String("state", stored.State))
		return stored, failure{}, nil
	}
	if err := s.wf.StartBatch(ctx, start); err != nil {
		// The rows are stored: sending the same request again starts
		// this same batch, with nothing lost or doubled.
		s.log.Error("start batch workflow", zap.String("batch_id", id), zap.Error(err))
		return store.Batch{}, unavailable("the workflow service is unavailable; send the same request again later"), err
	}
	s.log.Info("batch accepted", zap.String("batch_id", id), zap.String("workflow_id", stored.WorkflowID),
		zap.Int("customers", len(rows)), zap.Bool("new", created), zap.String("ui_url", s.uiURL(stored.WorkflowID)))
	return stored, failure{}, nil
}

// requestHash returns the hex SHA-256 of the request's canonical JSON: the
// request without its customers, then each customer. Encoding them one at a
// time keeps a large batch from being encoded whole into one buffer.
func requestHash(dto *wire.BatchCustomerCreation) (string, error) {
	h := sha256.New()
	head := *dto
	head.CustData = nil
	data, err := json.Marshal(head)
	if err != nil {
		return "", fmt.Errorf("encode request: %w", err)
	}
	h.Write(data)
	for i := range dto.CustData {
		if data, err = json.Marshal(&dto.CustData[i]); err != nil {
			return "", fmt.Errorf("encode customer %d: %w", i, err)
		}
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func internalFailure() failure {
	return failure{http.StatusInternalServerError, wire.ResponseStatus{
		ErrorCode: "InternalServerError", Message: "the request could not be processed"}}
}

func unavailable(msg string) failure {
	return failure{http.StatusServiceUnavailable, wire.ResponseStatus{ErrorCode: "ServiceUnavailable", Message: msg}}
}

func (s *Server) tooLarge(w http.ResponseWriter, answer string, rk routeKind) {
	s.writeErrorSOAP(w, rk, wire.SOAP12, answer, http.StatusRequestEntityTooLarge, wire.ResponseStatus{
		ErrorCode: "RequestEntityTooLarge",
		Message:   fmt.Sprintf("the request body is larger than %d bytes", s.opts.MaxBodyBytes),
	})
}

// uiURL links to a workflow in the Temporal UI.
func (s *Server) uiURL(workflowID string) string {
	return strings.TrimRight(s.opts.TemporalUIURL, "/") + "/namespaces/" + url.PathEscape(s.opts.Namespace) +
		"/workflows/" + url.PathEscape(workflowID)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "Handler for Request not found: \n\n\nRequest.HttpMethod: %s\nRequest.PathInfo: %s\n",
		r.Method, r.URL.Path)
}

// retryAfter is sent with 503 responses.
const retryAfter = 30 * time.Second

// errorThreshold reads a request's error threshold: error_threshold is
// the failed percentage above which the batch pauses, error_threshold_after
// the number of finished customers before it applies.
func (s *Server) errorThreshold(r *http.Request) (workflows.ErrorThreshold, error) {
	t := s.opts.ErrorThreshold
	q := r.URL.Query()
	if v := q.Get("error_threshold"); v != "" {
		pct, err := strconv.ParseFloat(v, 64)
		if err != nil || pct < 0 || pct > 100 {
			return t, fmt.Errorf("error_threshold must be a percentage from 0 to 100, got %q", v)
		}
		t.MaxFailedPercent = pct
		if t.MinFinished == 0 {
			t.MinFinished = defaultThresholdAfter
		}
	}
	if v := q.Get("error_threshold_after"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return t, fmt.Errorf("error_threshold_after must be a whole number of at least 1, got %q", v)
		}
		t.MinFinished = n
	}
	return t, nil
}

// defaultThresholdAfter is how many customers must finish before a
// threshold set without error_threshold_after applies.
const defaultThresholdAfter = 10

// ended reports a final batch state.
func ended(state string) bool {
	return state == store.StateCompleted || state == store.StateCompletedWithErrors || state == store.StateCancelled
}
