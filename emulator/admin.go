package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"go.uber.org/zap"
)

// AdminPrefix is the path prefix of the control API; it never overlaps
// /rest/.
const AdminPrefix = "/_emulator/"

// ExpireRequest is the optional body of POST /_emulator/sessions/expire.
// With AfterCalls zero every session ends now. Otherwise sessions end
// after the next AfterCalls authenticated calls.
type ExpireRequest struct {
	AfterCalls int `json:"after_calls"`
}

func (s *Server) registerAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET "+AdminPrefix+"state", s.adminState)
	mux.HandleFunc("POST "+AdminPrefix+"reset", s.adminReset)
	mux.HandleFunc("GET "+AdminPrefix+"calls", s.adminCalls)
	mux.HandleFunc("GET "+AdminPrefix+"faults", s.adminListFaults)
	mux.HandleFunc("POST "+AdminPrefix+"faults", s.adminAddFault)
	mux.HandleFunc("DELETE "+AdminPrefix+"faults", s.adminClearFaults)
	mux.HandleFunc("DELETE "+AdminPrefix+"faults/{id}", s.adminDeleteFault)
	mux.HandleFunc("POST "+AdminPrefix+"sessions/expire", s.adminExpireSessions)
	mux.HandleFunc("POST "+AdminPrefix+"sessions/login_policy", s.adminLoginPolicy)
}

func (s *Server) adminState(w http.ResponseWriter, r *http.Request) {
	state, err := s.store.dump(r.Context())
	if err != nil {
		s.adminFailure(w, "dump state", err)
		return
	}
	writeJSON(w, http.StatusOK, state)
}

// adminReset wipes customers, accounts, extensions, fault rules and the
// journal, and sets the session knobs back to the config. Users and open
// sessions stay, so a client that is logged in keeps working.
func (s *Server) adminReset(w http.ResponseWriter, r *http.Request) {
	if err := s.store.wipe(r.Context()); err != nil {
		s.adminFailure(w, "wipe state", err)
		return
	}
	resellers, _ := parseResellers(s.cfg.Resellers) // checked by Validate
	if err := s.store.seedResellers(r.Context(), resellers); err != nil {
		s.adminFailure(w, "seed resellers", err)
		return
	}
	s.faults.clear()
	s.journal.reset()
	s.sessions.resetKnobs(s.cfg)
	s.log.Info("emulator state reset")
	writeJSON(w, http.StatusOK, success())
}

// adminCalls returns the journal; ?since=N keeps calls with seq > N and
// ?method=Service.method keeps one method.
func (s *Server) adminCalls(w http.ResponseWriter, r *http.Request) {
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			adminError(w, http.StatusBadRequest, "since must be an integer")
			return
		}
		since = n
	}
	calls := s.journal.list(since)
	if method := r.URL.Query().Get("method"); method != "" {
		filtered := calls[:0]
		for _, c := range calls {
			if c.Method == method {
				filtered = append(filtered, c)
			}
		}
		calls = filtered
	}
	writeJSON(w, http.StatusOK, calls)
}

func (s *Server) adminListFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.faults.list())
}

func (s *Server) adminAddFault(w http.ResponseWriter, r *http.Request) {
	var rule FaultRule
	if err := readAdminBody(r, &rule); err != nil {
		adminError(w, http.StatusBadRequest, "fault rule body is invalid: "+err.Error())
		return
	}
	id, err := s.faults.add(rule)
	if err != nil {
		adminError(w, http.StatusBadRequest, "fault rule is invalid: "+err.Error())
		return
	}
	s.log.Info("fault rule added", zap.String(logKeyRuleID, id),
		zap.String(logKeyMethod, rule.Method), zap.String(logKeyAction, string(rule.Action)))
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) adminClearFaults(w http.ResponseWriter, _ *http.Request) {
	s.faults.clear()
	s.log.Info("fault rules cleared")
	writeJSON(w, http.StatusOK, success())
}

func (s *Server) adminDeleteFault(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !s.faults.remove(id) {
		adminError(w, http.StatusNotFound, "fault rule "+id+" not found")
		return
	}
	s.log.Info("fault rule removed", zap.String(logKeyRuleID, id))
	writeJSON(w, http.StatusOK, success())
}

func (s *Server) adminExpireSessions(w http.ResponseWriter, r *http.Request) {
	var req ExpireRequest
	if err := readAdminBody(r, &req); err != nil {
		adminError(w, http.StatusBadRequest, "expire body is invalid: "+err.Error())
		return
	}
	if req.AfterCalls < 0 {
		adminError(w, http.StatusBadRequest, "after_calls must not be negative")
		return
	}
	if req.AfterCalls == 0 {
		s.sessions.expireAll()
		s.log.Info("all sessions expired")
	} else {
		s.sessions.expireAfterCalls(req.AfterCalls)
		s.log.Info("sessions will expire", zap.Int(logKeyAfter, req.AfterCalls))
	}
	writeJSON(w, http.StatusOK, success())
}

func (s *Server) adminLoginPolicy(w http.ResponseWriter, r *http.Request) {
	var p LoginPolicy
	if err := readAdminBody(r, &p); err != nil {
		adminError(w, http.StatusBadRequest, "login policy body is invalid: "+err.Error())
		return
	}
	if p.MaxPerMinute < 0 {
		adminError(w, http.StatusBadRequest, "max_per_minute must not be negative")
		return
	}
	s.sessions.setPolicy(p)
	s.log.Info("login policy set", zap.Bool(logKeyBlocked, p.Blocked), zap.Int(logKeyMaxRate, p.MaxPerMinute))
	writeJSON(w, http.StatusOK, success())
}

// readAdminBody decodes a JSON body into v; an empty body leaves v as is.
func readAdminBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func (s *Server) adminFailure(w http.ResponseWriter, action string, err error) {
	s.log.Error("admin request failed", zap.String(logKeyAction, action), zap.Error(err))
	adminError(w, http.StatusInternalServerError, action+" failed")
}

func adminError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}
