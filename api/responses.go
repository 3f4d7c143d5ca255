package api

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"

	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
)

// poweredBy is the global header the original host adds to successful
// responses. Error responses go without it, as they do there.
const poweredBy = "ServiceStack/4.042 Unix/Go"

func (s *Server) writeError(w http.ResponseWriter, format string, code int, st wire.ResponseStatus) {
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	}
	if format == formatJSON {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(code)
		_, _ = w.Write(wire.ErrorResponseJSON(st))
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(code)
	_, _ = w.Write(wire.ErrorResponseXML(st))
}

// writeErrorSOAP writes a SOAP fault on SOAP routes and a plain
// ErrorResponse on the others.
func (s *Server) writeErrorSOAP(w http.ResponseWriter, rk routeKind, v wire.SOAPVersion, format string, code int, st wire.ResponseStatus) {
	if rk != routeSOAP {
		s.writeError(w, format, code, st)
		return
	}
	if v == 0 {
		v = wire.SOAP12
	}
	w.Header().Set("Content-Type", soapContentType(v))
	w.WriteHeader(code)
	_, _ = w.Write(wire.SOAPFault(v, st))
}

func soapContentType(v wire.SOAPVersion) string {
	if v == wire.SOAP11 {
		return "text/xml; charset=utf-8"
	}
	return "application/soap+xml; charset=utf-8"
}

// AcceptedReply is the response body of the /reply/ routes. It is a
// deliberate extension, because the original operation has no response DTO.
type AcceptedReply struct {
	XMLName       xml.Name `json:"-" xml:"http://schemas.datacontract.org/2004/07/PortaPlus2.API.Web.Dto BatchCustomerCreationResponse"`
	BatchID       string   `json:"BatchId" xml:"BatchId"`
	TemporalUIURL string   `json:"TemporalUiUrl" xml:"TemporalUiUrl"`
	WorkflowID    string   `json:"WorkflowId" xml:"WorkflowId"`
}

func (s *Server) answerAccepted(w http.ResponseWriter, rk routeKind, v wire.SOAPVersion, format string, b store.Batch) {
	w.Header().Set("Location", "/batches/"+b.ID)
	w.Header().Set("Vary", "Accept")
	w.Header().Set("X-Powered-By", poweredBy)
	switch rk {
	case routeReply:
		reply := AcceptedReply{BatchID: b.ID, WorkflowID: b.WorkflowID, TemporalUIURL: s.uiURL(b.WorkflowID)}
		s.writeData(w, format, http.StatusOK, reply)
	case routeSOAP:
		w.Header().Set("Content-Type", soapContentType(v))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(wire.SOAPEmptyResponse(v))
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// writeData writes a success body in JSON or XML.
func (s *Server) writeData(w http.ResponseWriter, format string, code int, v any) {
	var data []byte
	var err error
	if format == formatJSON {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		data, err = json.Marshal(v)
	} else {
		w.Header().Set("Content-Type", "application/xml")
		data, err = xml.Marshal(v)
		data = append([]byte(xml.Header), data...)
	}
	if err != nil {
		s.writeError(w, format, http.StatusInternalServerError, internalFailure().body)
		return
	}
	w.WriteHeader(code)
	_, _ = w.Write(data)
}
