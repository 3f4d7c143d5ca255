package api

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

// BatchReport is the answer of GET /batches/{id}: the batch's state, its
// counts by status and one page of customers.
type BatchReport struct {
	XMLName       xml.Name      `json:"-" xml:"BatchReport"`
	BatchID       string        `json:"BatchId" xml:"BatchId"`
	WorkflowID    string        `json:"WorkflowId" xml:"WorkflowId"`
	TemporalUIURL string        `json:"TemporalUiUrl" xml:"TemporalUiUrl"`
	State         string        `json:"State" xml:"State"`
	StateReason   string        `json:"StateReason,omitempty" xml:"StateReason,omitempty"`
	Total         int           `json:"Total" xml:"Total"`
	Counts        []StatusCount `json:"Counts" xml:"Counts>Count"`
	CreatedAt     time.Time     `json:"CreatedAt" xml:"CreatedAt"`
	UpdatedAt     time.Time     `json:"UpdatedAt" xml:"UpdatedAt"`
	// ETA estimates the end from the pace so far; absent until a
	// customer ended and once the batch is not running.
	ETA       *time.Time       `json:"ETA,omitempty" xml:"ETA,omitempty"`
	Offset    int              `json:"Offset" xml:"Offset"`
	Customers []CustomerReport `json:"Customers" xml:"Customers>Customer"`
}

// StatusCount is the number of customers in one status.
type StatusCount struct {
	Status string `json:"Status" xml:"Status,attr"`
	Count  int    `json:"Count" xml:",chardata"`
}

// CustomerReport is one customer's status and, once it ended, the billing
// records made for it or the step that failed.
type CustomerReport struct {
	Index      int                       `json:"Index" xml:"Index"`
	Login      string                    `json:"Login,omitempty" xml:"Login,omitempty"`
	Name       string                    `json:"Name" xml:"Name"`
	Status     string                    `json:"Status" xml:"Status"`
	Attempts   int                       `json:"Attempts" xml:"Attempts"`
	WorkflowID string                    `json:"WorkflowId,omitempty" xml:"WorkflowId,omitempty"`
	Result     *workflows.CustomerResult `json:"Result,omitempty" xml:"Result,omitempty"`
	// History lists earlier attempts of a retried customer.
	History []AttemptReport `json:"History,omitempty" xml:"History>Attempt,omitempty"`
}

// AttemptReport is one earlier attempt at a customer.
type AttemptReport struct {
	Attempt    int       `json:"Attempt" xml:"Attempt"`
	WorkflowID string    `json:"WorkflowId" xml:"WorkflowId"`
	Status     string    `json:"Status" xml:"Status"`
	FailedStep string    `json:"FailedStep,omitempty" xml:"FailedStep,omitempty"`
	ErrorCode  string    `json:"ErrorCode,omitempty" xml:"ErrorCode,omitempty"`
	Error      string    `json:"Error,omitempty" xml:"Error,omitempty"`
	FinishedAt time.Time `json:"FinishedAt" xml:"FinishedAt"`
}

// statusOrder fixes the order of counts in reports.
var statusOrder = []string{
	store.StatusPending, store.StatusRunning, store.StatusCreated, store.StatusFailed,
	store.StatusRolledBack, store.StatusRollbackFailed, store.StatusSkipped,
}

const (
	defaultPageSize = 1000
	maxPageSize     = 10000
)

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) {
	rest := r.PathValue("id")
	format := formatJSON
	switch {
	case strings.HasSuffix(rest, ".xml"):
		format, rest = formatXML, strings.TrimSuffix(rest, ".xml")
	case strings.HasSuffix(rest, ".json"):
		rest = strings.TrimSuffix(rest, ".json")
	case strings.Contains(strings.ToLower(r.Header.Get("Accept")), "xml"):
		format = formatXML
	}
	if q := strings.ToLower(r.URL.Query().Get("format")); q == formatJSON || q == formatXML {
		format = q
	}
	id := rest
	offset, limit, err := page(r)
	if err != nil {
		s.writeError(w, format, http.StatusBadRequest, wire.ResponseStatus{ErrorCode: "Invalid", Message: err.Error()})
		return
	}

	ctx := r.Context()
	b, err := s.store.Batch(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.writeError(w, format, http.StatusNotFound, wire.ResponseStatus{
			ErrorCode: "NotFound", Message: "no batch has the id " + strconv.Quote(id)})
		return
	}
	if err != nil {
		s.log.Error("read batch", zap.String("batch_id", id), zap.Error(err))
		s.writeError(w, format, http.StatusServiceUnavailable, unavailable("the batch store is unavailable").body)
		return
	}
	counts, err := s.store.Counts(ctx, id)
	if err == nil {
		var recs []store.CustomerRecord
		recs, err = s.store.Customers(ctx, id, offset, limit)
		if err == nil {
			rep := s.report(b, counts, offset, recs)
			if err = s.addHistory(ctx, &rep, recs); err == nil {
				s.writeData(w, format, http.StatusOK, rep)
				return
			}
		}
	}
	s.log.Error("read batch customers", zap.String("batch_id", id), zap.Error(err))
	s.writeError(w, format, http.StatusServiceUnavailable, unavailable("the batch store is unavailable").body)
}

func page(r *http.Request) (offset, limit int, err error) {
	q := r.URL.Query()
	offset, limit = 0, defaultPageSize
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, errors.New("offset must be a whole number of at least 0")
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxPageSize {
			return 0, 0, errors.New("limit must be a whole number from 1 to " + strconv.Itoa(maxPageSize))
		}
	}
	return offset, limit, nil
}

func (s *Server) report(b store.Batch, counts map[string]int, offset int, recs []store.CustomerRecord) BatchReport {
	rep := BatchReport{
		BatchID: b.ID, WorkflowID: b.WorkflowID, TemporalUIURL: s.uiURL(b.WorkflowID),
		State: b.State, StateReason: b.StateReason, Total: b.Total, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
		Offset: offset, Customers: []CustomerReport{}, ETA: estimateEnd(b, counts, time.Now()),
	}
	for _, st := range statusOrder {
		if n := counts[st]; n > 0 {
			rep.Counts = append(rep.Counts, StatusCount{Status: st, Count: n})
		}
	}
	for _, rec := range recs {
		c := CustomerReport{Index: rec.Index, Login: rec.Login, Name: rec.Name, Status: rec.Status,
			Attempts: rec.Attempts, WorkflowID: rec.WorkflowID}
		if len(rec.Result) > 0 {
			var res workflows.CustomerResult
			if json.Unmarshal(rec.Result, &res) == nil {
				c.Result = &res
			}
		}
		rep.Customers = append(rep.Customers, c)
	}
	return rep
}

// estimateEnd extrapolates the pace of the batch so far.
func estimateEnd(b store.Batch, counts map[string]int, now time.Time) *time.Time {
	done := counts[store.StatusCreated] + counts[store.StatusFailed] + counts[store.StatusRolledBack] +
		counts[store.StatusRollbackFailed] + counts[store.StatusSkipped]
	left := b.Total - done
	if b.State != store.StateRunning || done == 0 || left <= 0 {
		return nil
	}
	perCustomer := now.Sub(b.CreatedAt) / time.Duration(done)
	eta := now.Add(perCustomer * time.Duration(left)).UTC()
	return &eta
}

// addHistory lists the earlier attempts of retried customers.
func (s *Server) addHistory(ctx context.Context, rep *BatchReport, recs []store.CustomerRecord) error {
	for i, rec := range recs {
		if rec.Attempts < 2 {
			continue
		}
		attempts, err := s.store.Attempts(ctx, rep.BatchID, rec.Index)
		if err != nil {
			return err
		}
		for _, a := range attempts {
			if a.WorkflowID == rec.WorkflowID {
				continue
			}
			ar := AttemptReport{Attempt: a.Attempt, WorkflowID: a.WorkflowID, Status: a.Status, FinishedAt: a.FinishedAt}
			var res workflows.CustomerResult
			if json.Unmarshal(a.Result, &res) == nil && res.Error != nil {
				ar.FailedStep, ar.ErrorCode, ar.Error = res.FailedStep, res.Error.Code, res.Error.Message
			}
			rep.Customers[i].History = append(rep.Customers[i].History, ar)
		}
	}
	return nil
}
