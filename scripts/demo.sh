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
mkdir -p "$logs"
# Logs of earlier runs are kept: each run appends below a header line.
for f in temporal emulator worker starter; do
	echo "=== demo run at $(date -u +%FT%TZ) ===" >>"$logs/$f.log"
done

state="$run"
# shellcheck source=scripts/stack.sh
source scripts/stack.sh

cleanup() {
	trap - EXIT INT TERM
	echo
	echo "stopping..."
	stack_stop
	echo "stopped; logs are in $logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_check_ports
stack_build
stack_start_temporal
stack_start_emulator
stack_start_service

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
