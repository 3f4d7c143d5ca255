#!/usr/bin/env bash
# Runs the whole service on this machine and sends it the 3-customer
# sample: the Temporal dev server (SQLite file with WAL), the PortaBilling
# emulator, the worker and the HTTP endpoint. It prints each customer's
# outcome and the Temporal UI link, then keeps everything running for a look
# in the UI until Ctrl-C. With --once it stops as soon as the batch ends.
#
# Ports (override through the environment): Temporal 7233, its UI 8233,
# the emulator 8090, the endpoint 8080, the worker's metrics 9091.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
once=false
[[ "${1:-}" == "--once" ]] && once=true

TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
EMULATOR_PORT="${EMULATOR_PORT:-8090}"
HTTP_PORT="${HTTP_PORT:-8080}"
METRICS_PORT="${METRICS_PORT:-9091}"
SAMPLE="${SAMPLE:-samples/batch-3-customers.xml}"
run="$root/.run"
logs="$run/logs"
mkdir -p "$logs" "$run/bin"
# Logs of earlier runs are kept: each run appends below a header line.
for f in temporal emulator worker starter; do
	echo "=== demo run at $(date -u +%FT%TZ) ===" >>"$logs/$f.log"
done

pids=()
cleanup() {
	trap - EXIT INT TERM
	echo
	echo "stopping..."
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	echo "stopped; logs are in $logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" "$EMULATOR_PORT" "$HTTP_PORT" "$METRICS_PORT"; do
	if ! port_free "$p"; then
		echo "port $p is in use; stop what listens there or set the *_PORT variables" >&2
		exit 1
	fi
done

wait_for() { # name, command...
	local name="$1"
	shift
	for _ in $(seq 1 120); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.5
	done
	echo "$name did not come up; see $logs" >&2
	exit 1
}

scripts/install-temporal.sh
echo "building..."
go build -o "$run/bin/" ./worker ./starter ./cmd/billing-emulator

echo "starting Temporal dev server on 127.0.0.1:$TEMPORAL_PORT (UI on :$TEMPORAL_UI_PORT)"
.tools/bin/temporal server start-dev \
	--ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
	--db-filename "$run/temporal.db" \
	--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
	--search-attribute BatchId=Keyword --search-attribute BatchStatus=Keyword \
	--search-attribute CustomerLogin=Keyword --search-attribute CustomerStatus=Keyword \
	--search-attribute CustomerIndex=Int --search-attribute ResellerId=Int \
	--log-level warn >>"$logs/temporal.log" 2>&1 &
pids+=($!)
wait_for "Temporal" .tools/bin/temporal operator cluster health --address "127.0.0.1:$TEMPORAL_PORT"

export BATCH_TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
export BATCH_TEMPORAL_UI_URL="http://localhost:$TEMPORAL_UI_PORT"
export BATCH_BILLING_URL="http://127.0.0.1:$EMULATOR_PORT"
export BATCH_HTTP_ADDR="127.0.0.1:$HTTP_PORT"
export BATCH_METRICS_ADDR="127.0.0.1:$METRICS_PORT"
export BATCH_STORE_PATH="$run/batches.db"
export BILLING_EMU_ADDR="127.0.0.1:$EMULATOR_PORT"
export BILLING_EMU_DB="$run/billing-emulator.db"
# The sample batch names reseller 4512 as the parent of its customers.
export BILLING_EMU_RESELLERS="${BILLING_EMU_RESELLERS:-4512}"

echo "starting PortaBilling emulator on 127.0.0.1:$EMULATOR_PORT"
"$run/bin/billing-emulator" >>"$logs/emulator.log" 2>&1 &
pids+=($!)
wait_for "emulator" curl -fsS "http://127.0.0.1:$EMULATOR_PORT/healthz"

echo "starting worker"
"$run/bin/worker" >>"$logs/worker.log" 2>&1 &
pids+=($!)

echo "starting endpoint on 127.0.0.1:$HTTP_PORT"
"$run/bin/starter" >>"$logs/starter.log" 2>&1 &
pids+=($!)
wait_for "endpoint" curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz"

echo "posting $SAMPLE"
reply="$(curl -sS -X POST "http://127.0.0.1:$HTTP_PORT/xml/reply/BatchCustomerCreation?format=json" \
	-H 'Content-Type: application/xml' --data-binary "@$SAMPLE")"
batch_id="$(sed -n 's/.*"BatchId":"\([^"]*\)".*/\1/p' <<<"$reply")"
if [[ -z "$batch_id" ]]; then
	echo "the endpoint did not accept the sample: $reply" >&2
	exit 1
fi
ui="$(sed -n 's/.*"TemporalUiUrl":"\([^"]*\)".*/\1/p' <<<"$reply")"
echo "batch $batch_id accepted"

state=""
for _ in $(seq 1 240); do
	report="$(curl -fsS "http://127.0.0.1:$HTTP_PORT/batches/$batch_id")"
	state="$(sed -n 's/.*"State":"\([^"]*\)".*/\1/p' <<<"$report")"
	case "$state" in completed | completed_with_errors | cancelled) break ;; esac
	sleep 0.5
done

go run ./scripts/printreport <<<"$report"
echo
case "$state" in
completed | completed_with_errors | cancelled) echo "batch state: $state" ;;
*) echo "batch state: $state after 120 s of waiting; it goes on in the background (see the links below)" ;;
esac
echo "Temporal UI: $ui"
echo "report:      http://127.0.0.1:$HTTP_PORT/batches/$batch_id"
if $once; then
	exit 0
fi
echo "everything keeps running for a look in the UI; press Ctrl-C to stop"
wait "${pids[0]}"
