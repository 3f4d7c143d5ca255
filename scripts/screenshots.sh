#!/usr/bin/env bash
# Takes the Temporal UI screenshots of the README's "Operating" section, all
# of the 3-customer sample with customer 2 failing at the alias step:
#   docs/screenshots/batch.png                    batch workflow, User Metadata tab: summary,
#                                                 details, current details, one line per customer
#   docs/screenshots/batch-history.png            batch workflow, History tab: input, result, timeline
#   docs/screenshots/failed-customer.png          customer 2, User Metadata tab: current details
#                                                 with the failure, every step and undo
#   docs/screenshots/failed-customer-history.png  customer 2, History tab: failure, timeline
#   docs/screenshots/batch-customers.png          workflow list filtered by the BatchId search attribute
#
# It starts the same pieces as scripts/demo.sh on loopback: the Temporal dev
# server, the PortaBilling emulator, the worker and the endpoint, with state
# in a separate folder. It makes the emulator reject customer 2's alias,
# posts samples/batch-3-customers.xml and waits for the batch to end. Then
# headless Chromium captures the pages. Everything it started is stopped on exit.
#
# Ports (override through the environment) differ from demo.sh's defaults,
# so the script runs next to a `make demo`: Temporal 17233, its UI 18233,
# the emulator 18090, the endpoint 18080, the worker's metrics 19091.
# SCREENSHOT_STATE sets the state folder (default /tmp/screens-run); its
# databases and logs are deleted at start. SCREENSHOT_WAIT_MS sets the
# virtual time in milliseconds that Chromium gives each page to render
# (default 20000), SCREENSHOT_TIMEOUT the wall-clock limit in seconds of one
# Chromium run (default 120).
#
# Needs Debian's chromium and jq; when one is missing the script installs it
# with apt-get, which takes root.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

TEMPORAL_PORT="${TEMPORAL_PORT:-17233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-18233}"
EMULATOR_PORT="${EMULATOR_PORT:-18090}"
HTTP_PORT="${HTTP_PORT:-18080}"
METRICS_PORT="${METRICS_PORT:-19091}"
SCREENSHOT_WAIT_MS="${SCREENSHOT_WAIT_MS:-20000}"
SCREENSHOT_TIMEOUT="${SCREENSHOT_TIMEOUT:-120}"
state="${SCREENSHOT_STATE:-/tmp/screens-run}"
logs="$state/logs"
out="$root/docs/screenshots"
sample="samples/batch-3-customers.xml"
# The sample's customer at index 1 (Sample Logistics Ltd) requests this alias number.
failing_alias="447700900200"

# Debian's chromium installs with its libraries and fonts through apt, so no
# separate browser download (npm, Playwright) is needed, which some hosts block.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if ((${#missing[@]} > 0)); then
	echo "installing Debian packages: ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# shellcheck source=scripts/stack.sh
source scripts/stack.sh

scratch=()
browser_pid=""
cleanup() {
	trap - EXIT INT TERM
	echo "stopping..."
	if [[ -n "$browser_pid" ]]; then
		kill -TERM "$browser_pid" 2>/dev/null || true
		wait "$browser_pid" 2>/dev/null || true
	fi
	stack_stop
	for dir in "${scratch[@]}"; do
		rm -rf "$dir"
	done
	echo "stopped; logs are in $logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_check_ports
# The batch id is a hash of the request, so state left from an earlier run
# would return that run's batch instead of starting a new one.
mkdir -p "$logs" "$state/bin" "$out"
rm -f "$state"/*.db "$state"/*.db-wal "$state"/*.db-shm "$logs"/*.log
stack_build
stack_start_temporal
ui="$BATCH_TEMPORAL_UI_URL"
stack_start_emulator

# A business fault is not retried, so customer 1 fails at the alias step at
# once and the workflow undoes the alias, accounts and customer.
echo "making the emulator reject alias $failing_alias"
curl -fsS -X POST "http://127.0.0.1:$EMULATOR_PORT/_emulator/faults" -d '{
  "method": "Account.add_alias", "match": {"alias_info.id": "'"$failing_alias"'"},
  "action": "fault", "faultcode": "Server.Account.alias_not_allowed",
  "faultstring": "Alias '"$failing_alias"' is not allowed for this reseller"}' >/dev/null

stack_start_service

echo "posting $sample"
reply="$(curl -sS -X POST "http://127.0.0.1:$HTTP_PORT/xml/reply/BatchCustomerCreation?format=json" \
	-H 'Content-Type: application/xml' --data-binary "@$sample")"
batch_id="$(jq -r '.BatchId // empty' <<<"$reply" 2>/dev/null || true)"
if [[ -z "$batch_id" ]]; then
	echo "the endpoint did not accept the sample: $reply" >&2
	exit 1
fi
echo "batch $batch_id accepted"

batch_state=""
for _ in $(seq 1 240); do
	report="$(curl -fsS "http://127.0.0.1:$HTTP_PORT/batches/$batch_id?format=json")"
	batch_state="$(jq -r .State <<<"$report")"
	case "$batch_state" in completed | completed_with_errors | cancelled) break ;; esac
	sleep 0.5
done
go run ./scripts/printreport <<<"$report"
# The screenshots are meant to show customer 2 failed and the others created.
statuses="$(jq -r '[.Customers[].Status] | join(",")' <<<"$report")"
if [[ "$batch_state" != completed_with_errors || "$statuses" != created,failed,created ]]; then
	echo "batch state is '$batch_state' with customer statuses $statuses," \
		"expected completed_with_errors with created,failed,created; see $logs" >&2
	exit 1
fi
failed_id="$(jq -r '.Customers[1].WorkflowId' <<<"$report")"
echo "failed customer workflow: $failed_id"

# The UI's tab routes take the run id, which the report does not carry.
run_id() { # workflow id
	.tools/bin/temporal workflow describe --address "127.0.0.1:$TEMPORAL_PORT" \
		--workflow-id "$1" --output json | jq -r .workflowExecutionInfo.execution.runId
}

# Shots go to a scratch folder first, so a failed run leaves the previous
# set in docs/screenshots whole instead of mixing two runs.
shots="$(mktemp -d /tmp/screens-png.XXXXXX)"
scratch+=("$shots")

# Takes one screenshot of URL into $shots/FILE with a fresh profile, so no
# cache or local storage of an earlier shot changes the page. The UI is a
# JavaScript app: --virtual-time-budget lets its scripts and API calls run
# before the capture. The resolver rule keeps every request on this machine.
# Chromium 156 once did not exit at all with a virtual time budget (300 ms,
# History tab), so each attempt has a wall-clock limit and a failed one is
# tried again once. timeout runs in the background because `wait`, unlike a
# foreground command, lets Ctrl-C reach the cleanup at once, and timeout
# passes the TERM on to Chromium's processes.
shoot() { # file, url
	local attempt profile size status
	echo "screenshot $1 of $2"
	for attempt in 1 2; do
		profile="$(mktemp -d /tmp/screens-chromium.XXXXXX)"
		scratch+=("$profile")
		timeout --kill-after=10 "$SCREENSHOT_TIMEOUT" chromium \
			--headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE localhost" \
			--user-data-dir="$profile" --window-size=1600,1000 \
			--virtual-time-budget="$SCREENSHOT_WAIT_MS" \
			--screenshot="$shots/$1" "$2" >>"$logs/chromium.log" 2>&1 &
		browser_pid=$!
		status=0
		wait "$browser_pid" || status=$?
		browser_pid=""
		if ((status == 0)); then
			break
		fi
		echo "chromium failed with exit status $status (124 means timed out after $SCREENSHOT_TIMEOUT s)" \
			"on attempt $attempt; see $logs/chromium.log" >&2
		if ((attempt == 2)); then
			exit 1
		fi
	done
	# NOTE: the size check is only a heuristic. A page captured before it
	# rendered is about 7 kB and each rendered page here is 90 kB or more.
	# Look at the images before committing them.
	size="$(stat -c %s "$shots/$1")"
	if ((size < 40000)); then
		echo "$1 is only $size bytes, so the page probably did not render; raise SCREENSHOT_WAIT_MS" >&2
		exit 1
	fi
}

batch_wf="batch-$batch_id"
batch_run="$(run_id "$batch_wf")"
failed_run="$(run_id "$failed_id")"
query="$(jq -rn --arg id "$batch_id" '"BatchId=\"\($id)\"" | @uri')"
workflows="$ui/namespaces/default/workflows"
shoot batch.png "$workflows/$batch_wf/$batch_run/user-metadata"
shoot batch-history.png "$workflows/$batch_wf/$batch_run/history"
shoot failed-customer.png "$workflows/$failed_id/$failed_run/user-metadata"
shoot failed-customer-history.png "$workflows/$failed_id/$failed_run/history"
shoot batch-customers.png "$workflows?query=$query"
mv "$shots"/*.png "$out/"
echo "screenshots are in $out"
