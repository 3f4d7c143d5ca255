package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultAction is the effect of a fault rule on a matching call.
type FaultAction string

// Fault actions. Latency rules add up and let the evaluation go on, but
// every other action ends it.
const (
	// ActionFault sends HTTP 500 with FaultCode and FaultString.
	ActionFault FaultAction = "fault"
	// ActionHTTPStatus sends Status (502, 503, 504 or another error
	// status) with an HTML page, as a proxy does.
	ActionHTTPStatus FaultAction = "http_status"
	// ActionLatency waits Delay, then the call goes on.
	ActionLatency FaultAction = "latency"
	// ActionHang holds the call until the client gives up, or sends 504
	// after Delay (Config.HangMax when Delay is zero).
	ActionHang FaultAction = "hang"
	// ActionCommitThenFail runs the call and keeps its changes, then sends
	// Status (500 by default) with an HTML page, or drops the connection
	// when DropConnection is set. This is the lost-response case.
	ActionCommitThenFail FaultAction = "commit_then_fail"
	// ActionSucceed lets the call run normally and shields it from later
	// rules. With Result set, it sends Result instead and changes nothing.
	ActionSucceed FaultAction = "succeed"
)

// FaultRule is one fault injection rule: the body of POST /_emulator/faults
// and an item of the BILLING_EMU_FAULTS file. Rules are checked in the
// order they were added.
//
// Triggers combine: a matching call first counts towards After, then must
// pass Probability, then must be within Count. A zero trigger field means
// "no condition", so a rule without triggers fires on every matching call.
type FaultRule struct {
	// ID is set by the emulator when the rule is added.
	ID string `json:"id,omitempty"`
	// Method is "Service.method", "Service.*" or "*".
	Method string `json:"method"`
	// Match maps a dotted path into params to the expected value, compared
	// as text: {"alias_info.id": "12025550100"} or {"service_features.0.name": "cli"}.
	Match  map[string]string `json:"match,omitempty"`
	Action FaultAction       `json:"action"`

	FaultCode   string `json:"faultcode,omitempty"`
	FaultString string `json:"faultstring,omitempty"`
	// Status is the HTTP status of http_status and commit_then_fail.
	Status int `json:"status,omitempty"`
	// Delay is the added latency, or the longest hang.
	Delay          Duration       `json:"delay,omitempty"`
	DropConnection bool           `json:"drop_connection,omitempty"`
	Result         map[string]any `json:"result,omitempty"`

	// Count fires the rule on the next Count triggering calls only.
	Count int `json:"count,omitempty"`
	// Probability fires the rule on this share of calls (0 < p ≤ 1),
	// drawn from a generator seeded with Seed (Config.Seed when zero).
	Probability float64 `json:"probability,omitempty"`
	Seed        uint64  `json:"seed,omitempty"`
	// After skips the first After matching calls.
	After int `json:"after,omitempty"`
}

// FaultRuleStatus is a rule as GET /_emulator/faults lists it, with how
// often it matched and fired.
type FaultRuleStatus struct {
	FaultRule
	Matched int `json:"matched"`
	Fired   int `json:"fired"`
}

// Duration is a time.Duration that JSON spells as a Go duration string
// ("250ms", "2s") or as a number of milliseconds.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of milliseconds.
func (d *Duration) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(data, &ms); err != nil {
		return fmt.Errorf("duration %s is neither a string nor milliseconds", data)
	}
	*d = Duration(ms * float64(time.Millisecond))
	return nil
}

// Validate checks a rule and fills in the default status and faultstring.
func (r *FaultRule) Validate() error {
	if r.Method == "" {
		return errors.New("method is missing: use Service.method, Service.* or *")
	}
	if r.Method != "*" && !strings.Contains(r.Method, ".") {
		return fmt.Errorf("method %q is invalid: use Service.method, Service.* or *", r.Method)
	}
	if r.Count < 0 || r.After < 0 {
		return errors.New("count and after must not be negative")
	}
	if r.Probability < 0 || r.Probability > 1 {
		return fmt.Errorf("probability %v is invalid: it must be between 0 and 1", r.Probability)
	}
	if r.Delay < 0 {
		return errors.New("delay must not be negative")
	}

	switch r.Action {
	case ActionFault:
		if r.FaultCode == "" {
			return errors.New("faultcode is missing for a fault action")
		}
		if r.FaultString == "" {
			r.FaultString = "Injected fault " + r.FaultCode
		}
	case ActionHTTPStatus:
		if r.Status == 0 {
			r.Status = 503
		}
		if r.Status < 400 || r.Status > 599 {
			return fmt.Errorf("status %d is invalid: use an HTTP error status such as 502, 503 or 504", r.Status)
		}
	case ActionLatency:
		if r.Delay <= 0 {
			return errors.New("delay is missing for a latency action")
		}
	case ActionCommitThenFail:
		if r.Status == 0 {
			r.Status = 500
		}
		if r.Status < 400 || r.Status > 599 {
			return fmt.Errorf("status %d is invalid for commit_then_fail: use an HTTP error status", r.Status)
		}
	case ActionHang, ActionSucceed:
	default:
		return fmt.Errorf("action %q is unknown: use fault, http_status, latency, hang, commit_then_fail or succeed",
			r.Action)
	}
	return nil
}

// LoadFaultRules reads a JSON array of fault rules from a file.
func LoadFaultRules(path string) ([]FaultRule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fault rules: %w", err)
	}
	var rules []FaultRule
	if err := json.Unmarshal(data, &rules); err != nil {
		return nil, fmt.Errorf("decode fault rules in %s: %w", path, err)
	}
	for i := range rules {
		if err := rules[i].Validate(); err != nil {
			return nil, fmt.Errorf("fault rule %d in %s: %w", i, path, err)
		}
	}
	return rules, nil
}

// faultEngine holds the rules and decides which of them fire on a call.
type faultEngine struct {
	mu     sync.Mutex
	rules  []*ruleState
	nextID int
	seed   uint64
}

type ruleState struct {
	rule    FaultRule
	rng     *rand.Rand
	matched int
	fired   int
}

// selection is the outcome of the rules for one call: the summed latency
// of firing latency rules and the first firing rule of another action.
type selection struct {
	latency   time.Duration
	latencyBy []string
	terminal  *FaultRule
}

func newFaultEngine(seed uint64) *faultEngine {
	return &faultEngine{seed: seed}
}

// add validates a rule, gives it an id and appends it.
func (e *faultEngine) add(r FaultRule) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	e.nextID++
	r.ID = "r" + strconv.Itoa(e.nextID)
	seed := r.Seed
	if seed == 0 {
		seed = e.seed
	}
	e.rules = append(e.rules, &ruleState{rule: r, rng: rand.New(rand.NewPCG(seed, seed))})
	return r.ID, nil
}

// remove deletes one rule and reports whether it existed.
func (e *faultEngine) remove(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()

	for i, rs := range e.rules {
		if rs.rule.ID == id {
			e.rules = append(e.rules[:i], e.rules[i+1:]...)
			return true
		}
	}
	return false
}

func (e *faultEngine) clear() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rules = nil
}

func (e *faultEngine) list() []FaultRuleStatus {
	e.mu.Lock()
	defer e.mu.Unlock()

	out := make([]FaultRuleStatus, 0, len(e.rules))
	for _, rs := range e.rules {
		out = append(out, FaultRuleStatus{FaultRule: rs.rule, Matched: rs.matched, Fired: rs.fired})
	}
	return out
}

// match runs the triggers of every rule that matches the call.
func (e *faultEngine) match(method string, params map[string]any) selection {
	e.mu.Lock()
	defer e.mu.Unlock()

	var sel selection
	for _, rs := range e.rules {
		if !rs.matches(method, params) {
			continue
		}
		if !rs.trigger() {
			continue
		}
		if rs.rule.Action == ActionLatency {
			sel.latency += time.Duration(rs.rule.Delay)
			sel.latencyBy = append(sel.latencyBy, rs.rule.ID)
			continue
		}
		rule := rs.rule
		sel.terminal = &rule
		break
	}
	return sel
}

func (rs *ruleState) matches(method string, params map[string]any) bool {
	pattern := rs.rule.Method
	switch {
	case pattern == "*":
	case strings.HasSuffix(pattern, ".*"):
		if !strings.HasPrefix(method, strings.TrimSuffix(pattern, "*")) {
			return false
		}
	case pattern != method:
		return false
	}

	for path, want := range rs.rule.Match {
		v, ok := lookupPath(params, path)
		if !ok {
			return false
		}
		got, ok := scalarString(v)
		if !ok || got != want {
			return false
		}
	}
	return true
}

// trigger counts a matching call and reports whether the rule fires on it.
func (rs *ruleState) trigger() bool {
	rs.matched++
	if rs.matched <= rs.rule.After {
		return false
	}
	if rs.rule.Probability > 0 && rs.rng.Float64() >= rs.rule.Probability {
		return false
	}
	if rs.rule.Count > 0 && rs.fired >= rs.rule.Count {
		return false
	}
	rs.fired++
	return true
}
