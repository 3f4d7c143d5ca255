package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Log keys used by the emulator.
const (
	logKeyMethod   = "method"
	logKeySeq      = "seq"
	logKeyOutcome  = "outcome"
	logKeyStatus   = "status"
	logKeyRule     = "rule"
	logKeyDuration = "duration_ms"
	logKeyDBPath   = "db_path"
	logKeyRules    = "fault_rules"
	logKeyRuleID   = "rule_id"
	logKeyUsers    = "users"
	logKeyAction   = "action"
	logKeyAfter    = "after_calls"
	logKeyBlocked  = "blocked"
	logKeyMaxRate  = "max_logins_per_minute"
)

// Server is the emulator: an http.Handler for /rest/, /_emulator/ and
// /healthz over one SQLite state. Create it with New and release it with
// Close after the HTTP server has stopped.
type Server struct {
	cfg      Config
	log      *zap.Logger
	store    *store
	sessions *sessionStore
	faults   *faultEngine
	journal  *journal
	methods  map[string]apiMethod
	handler  http.Handler

	done      chan struct{}
	closeOnce sync.Once
}

// apiMethod is one /rest/ method. Methods with auth set need valid
// credentials; the session methods carry their own.
type apiMethod struct {
	fn   func(c *call) (any, error)
	auth bool
}

// call is the input of an API method: the request context, params and
// credentials.
type call struct {
	ctx context.Context
	p   fields
	req request
}

// New opens (or creates) the state database, loads the fault rules file
// if one is configured, and builds the handler. Zero fields of cfg get the
// defaults listed in the Default constants; a nil log discards logs.
func New(cfg Config, log *zap.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid emulator config: %w", err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	users, err := parseUsers(cfg.Users)
	if err != nil {
		return nil, err
	}

	var rules []FaultRule
	if cfg.FaultsFile != "" {
		if rules, err = LoadFaultRules(cfg.FaultsFile); err != nil {
			return nil, err
		}
	}
	st, err := openStore(context.Background(), cfg.DBPath, cfg.IDBase)
	if err != nil {
		return nil, err
	}
	resellers, _ := parseResellers(cfg.Resellers) // checked by Validate
	if err := st.seedResellers(context.Background(), resellers); err != nil {
		_ = st.close()
		return nil, err
	}

	s := &Server{
		cfg:      cfg,
		log:      log,
		store:    st,
		sessions: newSessionStore(cfg, users),
		faults:   newFaultEngine(cfg.Seed),
		journal:  newJournal(cfg.JournalSize),
		done:     make(chan struct{}),
	}
	for _, r := range rules {
		if _, err := s.faults.add(r); err != nil {
			_ = st.close()
			return nil, fmt.Errorf("add fault rule from %s: %w", cfg.FaultsFile, err)
		}
	}
	s.methods = s.apiMethods()
	s.handler = s.routes()

	log.Info("billing emulator ready",
		zap.String(logKeyDBPath, cfg.DBPath),
		zap.Int(logKeyRules, len(rules)),
		zap.Int(logKeyUsers, len(users)))
	return s, nil
}

// Handler returns the HTTP handler of the emulator.
func (s *Server) Handler() http.Handler {
	return s.handler
}

// Close releases requests held by hang rules and closes the database. Stop
// the HTTP server first, so no request runs against a closed database.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		if cerr := s.store.close(); cerr != nil {
			err = fmt.Errorf("close emulator database: %w", cerr)
		}
	})
	return err
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rest/{service}/{method}", s.serveREST)
	mux.HandleFunc("POST /rest/{service}/{method}/{$}", s.serveREST)
	s.registerAdmin(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "404 page not found", http.StatusNotFound)
	})
	return mux
}

// result is the outcome of a call as the journal and the logs record it.
type result struct {
	outcome string
	status  int
	rule    string
}

const (
	outcomeOK       = "ok"
	outcomeHang     = "hang"
	outcomeCanceled = "canceled"
	outcomeDropped  = "committed_then_dropped"
)

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	method := r.PathValue("service") + "." + r.PathValue("method")
	req, decodeErr := decodeRequest(w, r)
	entry := s.journal.start(method, req.params, s.cfg.Now())

	res := s.handleREST(r.Context(), w, method, req, decodeErr)

	elapsed := time.Since(started)
	s.journal.finish(entry, res, elapsed)
	s.log.Debug("api call",
		zap.Int64(logKeySeq, entry.Seq),
		zap.String(logKeyMethod, method),
		zap.String(logKeyOutcome, res.outcome),
		zap.Int(logKeyStatus, res.status),
		zap.String(logKeyRule, res.rule),
		zap.Int64(logKeyDuration, elapsed.Milliseconds()))
}

// handleREST applies the global latency and the fault rules, then runs the
// method unless a rule has already sent the response.
func (s *Server) handleREST(ctx context.Context, w http.ResponseWriter, method string,
	req request, decodeErr error) result {
	if decodeErr != nil {
		return s.sendError(w, method, decodeErr, "")
	}
	if res, ok := s.delay(ctx, w, s.cfg.Latency, ""); !ok {
		return res
	}

	sel := s.faults.match(method, req.params)
	ruleID := ""
	if len(sel.latencyBy) > 0 {
		ruleID = sel.latencyBy[0]
	}
	if res, ok := s.delay(ctx, w, sel.latency, ruleID); !ok {
		return res
	}

	rule := sel.terminal
	if rule != nil {
		ruleID = rule.ID
		if res, answered := s.applyRule(ctx, w, rule); answered {
			return res
		}
	}

	body, err := s.invoke(ctx, method, req)
	if rule != nil && rule.Action == ActionCommitThenFail && err == nil {
		return s.failAfterCommit(w, rule)
	}
	if err != nil {
		return s.sendError(w, method, err, ruleID)
	}
	writeJSON(w, http.StatusOK, body)
	return result{outcome: outcomeOK, status: http.StatusOK, rule: ruleID}
}

// applyRule sends the response of a rule that replaces the method. It
// reports false when the method must still run.
func (s *Server) applyRule(ctx context.Context, w http.ResponseWriter, rule *FaultRule) (result, bool) {
	switch rule.Action {
	case ActionFault:
		writeFault(w, &apiFault{Code: rule.FaultCode, String: rule.FaultString})
		return result{outcome: rule.FaultCode, status: http.StatusInternalServerError, rule: rule.ID}, true
	case ActionHTTPStatus:
		writeHTML(w, rule.Status)
		return result{outcome: httpOutcome(rule.Status), status: rule.Status, rule: rule.ID}, true
	case ActionHang:
		return s.hang(ctx, w, rule), true
	case ActionSucceed:
		if rule.Result != nil {
			writeJSON(w, http.StatusOK, rule.Result)
			return result{outcome: outcomeOK, status: http.StatusOK, rule: rule.ID}, true
		}
	}
	return result{}, false
}

// invoke authenticates the call when the method needs it and runs it.
func (s *Server) invoke(ctx context.Context, method string, req request) (any, error) {
	m, ok := s.methods[method]
	if !ok {
		return nil, faultf(FaultUnknownMethod, "Method %s is not supported by this server", method)
	}
	if m.auth {
		if err := s.sessions.authenticate(req.creds); err != nil {
			return nil, err
		}
		defer s.sessions.countCall()
	}

	service, _, _ := strings.Cut(method, ".")
	return m.fn(&call{ctx: ctx, p: newFields(service, "", req.params), req: req})
}

// hang holds the call until the client leaves, the server closes (503)
// or the rule's time runs out (504).
func (s *Server) hang(ctx context.Context, w http.ResponseWriter, rule *FaultRule) result {
	limit := time.Duration(rule.Delay)
	if limit == 0 {
		limit = s.cfg.HangMax
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()

	select {
	case <-ctx.Done():
		return result{outcome: outcomeHang, rule: rule.ID}
	case <-s.done:
		writeHTML(w, http.StatusServiceUnavailable)
		return result{outcome: httpOutcome(http.StatusServiceUnavailable), status: http.StatusServiceUnavailable, rule: rule.ID}
	case <-timer.C:
		writeHTML(w, http.StatusGatewayTimeout)
		return result{outcome: httpOutcome(http.StatusGatewayTimeout), status: http.StatusGatewayTimeout, rule: rule.ID}
	}
}

// failAfterCommit sends an HTML error page, or drops the connection, for a
// call whose changes are already committed.
func (s *Server) failAfterCommit(w http.ResponseWriter, rule *FaultRule) result {
	if rule.DropConnection {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
			return result{outcome: outcomeDropped, rule: rule.ID}
		}
		s.log.Warn("cannot drop connection, sending an error page instead",
			zap.String(logKeyRuleID, rule.ID), zap.Error(err))
	}
	writeHTML(w, rule.Status)
	return result{outcome: fmt.Sprintf("committed_then_%d", rule.Status), status: rule.Status, rule: rule.ID}
}

// sendError writes an API fault, or an internal-error fault for any other
// error, which it logs; the client never sees internal error text.
func (s *Server) sendError(w http.ResponseWriter, method string, err error, ruleID string) result {
	var f *apiFault
	if !errors.As(err, &f) {
		s.log.Error("api call failed", zap.String(logKeyMethod, method), zap.Error(err))
		f = faultf(FaultInternal, "Internal error of the billing emulator")
	}
	writeFault(w, f)
	return result{outcome: f.Code, status: http.StatusInternalServerError, rule: ruleID}
}

// delay waits d. It reports false, with the result to record, when the
// client left first (nothing is sent) or the server is closing (503).
func (s *Server) delay(ctx context.Context, w http.ResponseWriter, d time.Duration, ruleID string) (result, bool) {
	if d <= 0 {
		return result{}, true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-timer.C:
		return result{}, true
	case <-ctx.Done():
		return result{outcome: outcomeCanceled, rule: ruleID}, false
	case <-s.done:
		writeHTML(w, http.StatusServiceUnavailable)
		return result{outcome: httpOutcome(http.StatusServiceUnavailable),
			status: http.StatusServiceUnavailable, rule: ruleID}, false
	}
}

func httpOutcome(status int) string {
	return fmt.Sprintf("http_%d", status)
}

// apiMethods lists every /rest/ method by "Service.method".
func (s *Server) apiMethods() map[string]apiMethod {
	open := func(fn func(*call) (any, error)) apiMethod { return apiMethod{fn: fn} }
	authed := func(fn func(*call) (any, error)) apiMethod { return apiMethod{fn: fn, auth: true} }

	return map[string]apiMethod{
		"Session.login":                open(s.login),
		"Session.refresh_access_token": open(s.refreshAccessToken),
		"Session.ping":                 open(s.ping),
		"Session.logout":               open(s.logout),

		"Customer.get_customer_info":         authed(s.getCustomerInfo),
		"Customer.add_customer":              authed(s.addCustomer),
		"Customer.update_customer":           authed(s.updateCustomer),
		"Customer.delete_customer":           authed(s.deleteCustomer),
		"Customer.terminate_customer":        authed(s.terminateCustomer),
		"Customer.get_customer_list":         authed(s.getCustomerList),
		"Customer.validate_customer_info":    authed(s.validateCustomerInfo),
		"Customer.update_service_features":   authed(s.updateCustomerFeatures),
		"Customer.add_customer_extension":    authed(s.addCustomerExtension),
		"Customer.get_extensions_list":       authed(s.getExtensionsList),
		"Customer.delete_customer_extension": authed(s.deleteCustomerExtension),

		"Account.get_account_info":        authed(s.getAccountInfo),
		"Account.add_account":             authed(s.addAccount),
		"Account.terminate_account":       authed(s.terminateAccount),
		"Account.get_account_list":        authed(s.getAccountList),
		"Account.validate_account_info":   authed(s.validateAccountInfo),
		"Account.update_service_features": authed(s.updateAccountFeatures),
		"Account.add_alias":               authed(s.addAlias),
		"Account.get_alias_list":          authed(s.getAliasList),
		"Account.delete_alias":            authed(s.deleteAlias),
	}
}
