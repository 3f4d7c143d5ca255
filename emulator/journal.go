package emulator

import (
	"sync"
	"time"
)

// journal records /rest/ calls in arrival order and keeps the latest max
// of them.
type journal struct {
	mu    sync.Mutex
	seq   int64
	max   int
	calls []*Call
}

func newJournal(max int) *journal {
	return &journal{max: max}
}

// start records a call as pending and returns its entry for finish.
func (j *journal) start(method string, params map[string]any, now time.Time) *Call {
	c := &Call{Time: now.UTC(), Method: method, Params: maskParams(params), Outcome: "pending"}

	j.mu.Lock()
	defer j.mu.Unlock()

	j.seq++
	c.Seq = j.seq
	j.calls = append(j.calls, c)
	if over := len(j.calls) - j.max; over > 0 {
		j.calls = append(j.calls[:0:0], j.calls[over:]...)
	}
	return c
}

// finish stores the outcome of a call started earlier.
func (j *journal) finish(c *Call, res result, elapsed time.Duration) {
	j.mu.Lock()
	defer j.mu.Unlock()

	c.Outcome = res.outcome
	c.Status = res.status
	c.Rule = res.rule
	c.DurationMS = elapsed.Milliseconds()
}

// list copies the entries, optionally only those after seq since.
func (j *journal) list(since int64) []Call {
	j.mu.Lock()
	defer j.mu.Unlock()

	out := make([]Call, 0, len(j.calls))
	for _, c := range j.calls {
		if c.Seq > since {
			out = append(out, *c)
		}
	}
	return out
}

// reset empties the journal; sequence numbers go on, so a client never
// sees a number twice.
func (j *journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.calls = nil
}
