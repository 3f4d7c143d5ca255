package bench_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/portaplus2/batchcustomers/emulator"
)

func TestCallPeaks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	calls := []emulator.Call{
		{Time: at(0), DurationMS: 100},
		{Time: at(50), DurationMS: 100},  // overlaps the first
		{Time: at(100), DurationMS: 100}, // starts as the first ends
		{Time: at(120), DurationMS: 10},  // three in flight
		{Time: at(1500), DurationMS: 5},
	}
	inFlight, perSecond := callPeaks(calls)
	assert.Equal(t, 3, inFlight)
	assert.Equal(t, 4, perSecond, "four calls start within the first second")
}
