package api

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/provision"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

// reportColumns are the columns of report.csv.
var reportColumns = []string{
	"index", "login", "name", "status", "attempts", "workflow_id", "failed_step", "error_type",
	"error_code", "error_message", "i_customer", "accounts", "alias", "extensions", "rolled_back", "leftovers",
}

// getReportCSV writes one line per customer, also while the batch runs.
func (s *Server) getReportCSV(w http.ResponseWriter, r *http.Request) {
	b, recs, ok := s.loadAll(w, r, formatJSON)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="batch-%s.csv"`, b.ID))
	cw := csv.NewWriter(w)
	_ = cw.Write(reportColumns)
	for _, rec := range recs {
		line := []string{strconv.Itoa(rec.Index), rec.Login, rec.Name, rec.Status, strconv.Itoa(rec.Attempts),
			rec.WorkflowID, "", "", "", "", "", "", "", "", "", ""}
		var res workflows.CustomerResult
		if len(rec.Result) > 0 && json.Unmarshal(rec.Result, &res) == nil {
			fillResult(line, res)
		}
		_ = cw.Write(line)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.Warn("write report.csv", zap.String("batch_id", b.ID), zap.Error(err))
	}
}

func fillResult(line []string, res workflows.CustomerResult) {
	line[6] = res.FailedStep
	if res.Error != nil {
		line[7], line[8], line[9] = res.Error.Type, res.Error.Code, res.Error.Message
	}
	if res.ICustomer != 0 {
		line[10] = strconv.FormatInt(res.ICustomer, 10)
	}
	var parts []string
	for _, a := range res.Accounts {
		parts = append(parts, fmt.Sprintf("%s=%d", a.ID, a.IAccount))
	}
	line[11] = strings.Join(parts, " ")
	if res.Alias != nil && res.Alias.ID != "" {
		line[12] = fmt.Sprintf("%s=%d", res.Alias.ID, res.Alias.IAccount)
	}
	parts = nil
	for _, e := range res.Extensions {
		parts = append(parts, fmt.Sprintf("%s=%d", e.Number, e.ICExt))
	}
	line[13] = strings.Join(parts, " ")
	line[14] = strings.Join(res.RolledBack, " ")
	line[15] = strings.Join(res.Leftovers, " ")
}

// FailedRow names a row of a failed.json or failed.xml body and why it
// failed. Row is its position in that body, Index its position in the
// original batch.
type FailedRow struct {
	Row        int    `json:"Row"`
	Index      int    `json:"Index"`
	Status     string `json:"Status"`
	FailedStep string `json:"FailedStep,omitempty"`
	ErrorCode  string `json:"ErrorCode,omitempty"`
	Error      string `json:"Error,omitempty"`
}

// getFailed writes the failed customers as a request body, failed.xml or
// failed.json, ready to be fixed and sent again. XML carries each error as
// a comment before its row; JSON as an extra Errors member that readers of
// the request ignore.
func (s *Server) getFailed(w http.ResponseWriter, r *http.Request) {
	format := strings.TrimPrefix(r.PathValue("file"), "failed.")
	if format != formatXML && format != formatJSON {
		notFound(w, r)
		return
	}
	b, recs, ok := s.loadAll(w, r, format)
	if !ok {
		return
	}
	dto := &wire.BatchCustomerCreation{ProductID: b.ProductID, ResellerID: b.ResellerID}
	var failed []FailedRow
	comments := map[int]string{}
	for _, rec := range recs {
		if !workflows.Retryable(rec.Status) {
			continue
		}
		var res workflows.CustomerResult
		if len(rec.Result) > 0 {
			_ = json.Unmarshal(rec.Result, &res)
		}
		row, err := s.store.Row(r.Context(), b.ID, rec.Index, res.RowVersion)
		var data provision.RowData
		if err == nil {
			data, err = provision.DecodeRow(row.Data)
		}
		if err != nil {
			s.log.Error("read failed row", zap.String("batch_id", b.ID), zap.Int("customer_index", rec.Index), zap.Error(err))
			s.writeError(w, format, http.StatusServiceUnavailable, unavailable("the batch store is unavailable").body)
			return
		}
		f := FailedRow{Row: len(dto.CustData), Index: rec.Index, Status: rec.Status, FailedStep: res.FailedStep}
		if res.Error != nil {
			f.ErrorCode, f.Error = res.Error.Code, res.Error.Message
		}
		comments[f.Row] = fmt.Sprintf(" customer %d (%s) %s at step %s: %s %s ", f.Index, rec.Login, f.Status,
			f.FailedStep, f.ErrorCode, f.Error)
		failed = append(failed, f)
		dto.CustData = append(dto.CustData, data.Row)
	}
	if format == formatXML {
		body, err := wire.EncodeXML(dto, comments)
		if err != nil {
			s.log.Error("encode failed.xml", zap.String("batch_id", b.ID), zap.Error(err))
			s.writeError(w, format, http.StatusInternalServerError, internalFailure().body)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(body)
		return
	}
	s.writeData(w, formatJSON, http.StatusOK, failedJSON{dto, failed})
}

// failedJSON is a request body with the failures beside it.
type failedJSON struct {
	*wire.BatchCustomerCreation
	Errors []FailedRow
}

// MarshalJSON writes the request's members and then Errors.
func (f failedJSON) MarshalJSON() ([]byte, error) {
	body, err := json.Marshal(f.BatchCustomerCreation)
	if err != nil {
		return nil, err
	}
	errs, err := json.Marshal(f.Errors)
	if err != nil {
		return nil, err
	}
	if f.Errors == nil {
		errs = []byte("[]")
	}
	// The request body is a JSON object; Errors goes in before its end.
	return append(append(append(body[:len(body)-1], []byte(`,"Errors":`)...), errs...), '}'), nil
}
