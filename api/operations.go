package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/provision"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

// RetryBody is the body of POST /batches/{id}/retry: the customers to
// retry by index, or all failed ones, with optional corrected rows.
type RetryBody struct {
	Indexes     []int        `json:"Indexes,omitempty"`
	AllFailed   bool         `json:"AllFailed,omitempty"`
	Corrections []Correction `json:"Corrections,omitempty"`
}

// Correction replaces a customer's row for its retry. Row is a CsvData in
// the request's JSON shape.
type Correction struct {
	Index int             `json:"Index"`
	Row   json.RawMessage `json:"Row"`
}

// RetryReply lists the retries that were queued.
type RetryReply struct {
	BatchID string                      `json:"BatchId"`
	Retries []workflows.CustomerOutcome `json:"Retries"`
}

// OperationReply acknowledges cancel, pause and resume.
type OperationReply struct {
	BatchID string `json:"BatchId"`
	Request string `json:"Request"`
	Message string `json:"Message"`
}

const maxOperationBody = 16 << 20

// postRetry retries failed customers. It checks the request against the
// store before it stores any corrected row, and the batch workflow's
// update validator checks it again before anything reaches history.
func (s *Server) postRetry(w http.ResponseWriter, r *http.Request) {
	format := answerFormat(r)
	b, recs, ok := s.loadAll(w, r, format)
	if !ok {
		return
	}
	var body RetryBody
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOperationBody))
	if err == nil {
		err = json.Unmarshal(data, &body)
	}
	if err != nil {
		s.writeError(w, format, http.StatusBadRequest, wire.ResponseStatus{ErrorCode: "Invalid",
			Message: "the body must be JSON like {\"Indexes\":[3,7]} or {\"AllFailed\":true}: " + err.Error()})
		return
	}
	if problems := checkRetry(body, recs); len(problems) > 0 {
		s.writeError(w, format, http.StatusBadRequest, wire.ValidationStatus(problems))
		return
	}

	req := workflows.RetryRequest{Indexes: body.Indexes, AllFailed: body.AllFailed}
	if len(body.Corrections) > 0 {
		versions, problems, err := s.storeCorrections(r.Context(), b, body.Corrections)
		if err != nil {
			s.log.Error("store corrected rows", zap.String("batch_id", b.ID), zap.Error(err))
			s.writeError(w, format, http.StatusServiceUnavailable, unavailable("the batch store is unavailable").body)
			return
		}
		if len(problems) > 0 {
			s.writeError(w, format, http.StatusBadRequest, wire.ValidationStatus(problems))
			return
		}
		req.Versions = versions
	}

	statuses := make([]string, len(recs))
	attempts := make([]int, len(recs))
	for i, rec := range recs {
		statuses[i], attempts[i] = rec.Status, rec.Attempts
	}
	restart := workflows.RestartInput(b.ID, b.ResellerID, statuses, attempts)
	res, err := s.wf.Retry(r.Context(), b.ID, req, restart)
	if errors.Is(err, ErrRejected) {
		s.writeError(w, format, http.StatusBadRequest, wire.ResponseStatus{ErrorCode: "Invalid", Message: err.Error()})
		return
	}
	if err != nil {
		s.log.Error("retry customers", zap.String("batch_id", b.ID), zap.Error(err))
		s.writeError(w, format, http.StatusServiceUnavailable, unavailable("the workflow service is unavailable").body)
		return
	}
	s.log.Info("customers queued for retry", zap.String("batch_id", b.ID), zap.Int("count", len(res.Retries)),
		zap.String("ui_url", s.uiURL(b.WorkflowID)))
	s.writeData(w, format, http.StatusOK, RetryReply{BatchID: b.ID, Retries: res.Retries})
}

// checkRetry rejects indexes that are unknown or not failed.
func checkRetry(body RetryBody, recs []store.CustomerRecord) []wire.FieldError {
	var problems []wire.FieldError
	add := func(field, format string, args ...any) {
		problems = append(problems, wire.FieldError{ErrorCode: "Invalid", FieldName: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(body.Indexes) == 0 && !body.AllFailed {
		add("Indexes", "name the customer indexes to retry, or set AllFailed")
	}
	if len(body.Indexes) > 0 && body.AllFailed {
		add("AllFailed", "give either Indexes or AllFailed, not both")
	}
	for i, index := range body.Indexes {
		field := fmt.Sprintf("Indexes[%d]", i)
		switch {
		case index < 0 || index >= len(recs):
			add(field, "index %d is not in this batch of %d customers", index, len(recs))
		case !workflows.Retryable(recs[index].Status):
			add(field, "customer %d is %s, not failed; only failed customers can be retried", index, recs[index].Status)
		}
	}
	for i, c := range body.Corrections {
		if body.AllFailed {
			if c.Index >= 0 && c.Index < len(recs) && workflows.Retryable(recs[c.Index].Status) {
				continue
			}
		} else if containsInt(body.Indexes, c.Index) {
			continue
		}
		add(fmt.Sprintf("Corrections[%d].Index", i), "a corrected row is given for index %d, which is not retried", c.Index)
	}
	return problems
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// storeCorrections validates each corrected row as the request's own row
// and stores it as a new row version.
func (s *Server) storeCorrections(ctx context.Context, b store.Batch, corrections []Correction) (map[int]int, []wire.FieldError, error) {
	var problems []wire.FieldError
	dtos := make([]*wire.BatchCustomerCreation, len(corrections))
	for i, c := range corrections {
		body := fmt.Sprintf(`{"CustData":[%s],"ProductID":%d,"ResellerID":%d}`, c.Row, b.ProductID, b.ResellerID)
		dto, err := wire.DecodeJSON(strings.NewReader(body))
		if err != nil {
			problems = append(problems, wire.FieldError{ErrorCode: "Invalid",
				FieldName: fmt.Sprintf("Corrections[%d].Row", i), Message: err.Error()})
			continue
		}
		for _, p := range wire.Validate(dto, wire.ValidateOptions{MaxCustomers: 1}) {
			p.FieldName = strings.Replace(p.FieldName, "CustData[0]", fmt.Sprintf("Corrections[%d].Row", i), 1)
			problems = append(problems, p)
		}
		dtos[i] = dto
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	versions := map[int]int{}
	for i, c := range corrections {
		data, err := provision.EncodeRow(dtos[i], 0)
		if err != nil {
			return nil, nil, err
		}
		v, err := s.store.AddRowVersion(ctx, b.ID, c.Index, data)
		if err != nil {
			return nil, nil, err
		}
		versions[c.Index] = v
	}
	return versions, nil, nil
}

func (s *Server) postCancel(w http.ResponseWriter, r *http.Request) {
	s.operate(w, r, "cancel", func(ctx context.Context, id string) error {
		return s.wf.Cancel(ctx, id)
	}, "cancellation requested: running customers roll back, unstarted ones are skipped")
}

func (s *Server) postPause(w http.ResponseWriter, r *http.Request) {
	var req workflows.PauseRequest
	if data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10)); err == nil && len(data) > 0 {
		if err := json.Unmarshal(data, &req); err != nil {
			s.writeError(w, answerFormat(r), http.StatusBadRequest, wire.ResponseStatus{ErrorCode: "Invalid",
				Message: `the body must be empty or JSON like {"Reason":"..."}: ` + err.Error()})
			return
		}
	}
	s.operate(w, r, "pause", func(ctx context.Context, id string) error {
		return s.wf.Signal(ctx, id, workflows.SignalPause, req)
	}, "pause requested: running customers finish, no new one starts until resumed")
}

func (s *Server) postResume(w http.ResponseWriter, r *http.Request) {
	s.operate(w, r, "resume", func(ctx context.Context, id string) error {
		return s.wf.Signal(ctx, id, workflows.SignalResume, nil)
	}, "resume requested")
}

// operate runs one steering request against a running batch.
func (s *Server) operate(w http.ResponseWriter, r *http.Request, name string,
	do func(context.Context, string) error, message string) {
	format := answerFormat(r)
	b, ok := s.loadBatch(w, r, format)
	if !ok {
		return
	}
	err := do(r.Context(), b.ID)
	if errors.Is(err, ErrNotRunning) {
		s.writeError(w, format, http.StatusConflict, wire.ResponseStatus{ErrorCode: "Conflict",
			Message: fmt.Sprintf("batch %s has ended; %s applies only to a running batch", b.ID, name)})
		return
	}
	if err != nil {
		s.log.Error("steer batch", zap.String("batch_id", b.ID), zap.String("request", name), zap.Error(err))
		s.writeError(w, format, http.StatusServiceUnavailable, unavailable("the workflow service is unavailable").body)
		return
	}
	s.log.Info("batch steered", zap.String("batch_id", b.ID), zap.String("request", name))
	s.writeData(w, format, http.StatusAccepted, OperationReply{BatchID: b.ID, Request: name, Message: message})
}

// loadBatch reads the batch named in the path, or writes 404 or 503.
func (s *Server) loadBatch(w http.ResponseWriter, r *http.Request, format string) (store.Batch, bool) {
	id := r.PathValue("id")
	b, err := s.store.Batch(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.writeError(w, format, http.StatusNotFound, wire.ResponseStatus{
			ErrorCode: "NotFound", Message: fmt.Sprintf("no batch has the id %q", id)})
		return store.Batch{}, false
	}
	if err != nil {
		s.log.Error("read batch", zap.String("batch_id", id), zap.Error(err))
		s.writeError(w, format, http.StatusServiceUnavailable, unavailable("the batch store is unavailable").body)
		return store.Batch{}, false
	}
	return b, true
}

// loadAll reads the batch and every customer record.
func (s *Server) loadAll(w http.ResponseWriter, r *http.Request, format string) (store.Batch, []store.CustomerRecord, bool) {
	b, ok := s.loadBatch(w, r, format)
	if !ok {
		return b, nil, false
	}
	var recs []store.CustomerRecord
	for offset := 0; offset < b.Total; offset += maxPageSize {
		page, err := s.store.Customers(r.Context(), b.ID, offset, maxPageSize)
		if err != nil {
			s.log.Error("read batch customers", zap.String("batch_id", b.ID), zap.Error(err))
			s.writeError(w, format, http.StatusServiceUnavailable, unavailable("the batch store is unavailable").body)
			return b, nil, false
		}
		recs = append(recs, page...)
	}
	return b, recs, true
}

// answerFormat picks JSON unless ?format=xml or Accept requests XML.
func answerFormat(r *http.Request) string {
	if q := strings.ToLower(r.URL.Query().Get("format")); q == formatJSON || q == formatXML {
		return q
	}
	accept := strings.ToLower(r.Header.Get("Accept"))
	if strings.Contains(accept, "xml") && !strings.Contains(accept, "json") {
		return formatXML
	}
	return formatJSON
}
