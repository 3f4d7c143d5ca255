# Functions that demo.sh and screenshots.sh share to run the whole service
# on loopback. Source it after setting TEMPORAL_PORT, TEMPORAL_UI_PORT,
# EMULATOR_PORT, HTTP_PORT, METRICS_PORT, state (folder of databases and
# binaries) and logs (folder of logs), from the repository root.

pids=()

# stack_stop stops what the stack started, newest first.
stack_stop() {
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stack_check_ports fails when a port the stack needs is taken.
stack_check_ports() {
	for p in "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" "$EMULATOR_PORT" "$HTTP_PORT" "$METRICS_PORT"; do
		if ! port_free "$p"; then
			echo "port $p is in use; stop what listens there or set the *_PORT variables" >&2
			exit 1
		fi
	done
}

# wait_for NAME COMMAND... retries COMMAND for up to 60 s.
wait_for() {
	local name="$1"
	shift
	for _ in $(seq 1 120); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.5
	done
	echo "$name did not come up within 60 s; see $logs" >&2
	exit 1
}

# stack_build installs the Temporal CLI and builds the three commands.
stack_build() {
	mkdir -p "$logs" "$state/bin"
	scripts/install-temporal.sh
	echo "building..."
	go build -o "$state/bin/" ./worker ./starter ./cmd/billing-emulator
}

# stack_start_temporal starts the dev server on a SQLite file with WAL, eager
# activity dispatch and the search attributes the workflows set (the worker
# refuses to start without them).
stack_start_temporal() {
	echo "starting Temporal dev server on 127.0.0.1:$TEMPORAL_PORT (UI on :$TEMPORAL_UI_PORT)"
	.tools/bin/temporal server start-dev \
		--ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
		--db-filename "$state/temporal.db" \
		--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
		--dynamic-config-value system.enableActivityEagerExecution=true \
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
	export BATCH_STORE_PATH="$state/batches.db"
	export BILLING_EMU_ADDR="127.0.0.1:$EMULATOR_PORT"
	export BILLING_EMU_DB="$state/billing-emulator.db"
	# The sample batch names reseller 4512 as the parent of its customers.
	export BILLING_EMU_RESELLERS="${BILLING_EMU_RESELLERS:-4512}"
}

stack_start_emulator() {
	echo "starting PortaBilling emulator on 127.0.0.1:$EMULATOR_PORT"
	"$state/bin/billing-emulator" >>"$logs/emulator.log" 2>&1 &
	pids+=($!)
	wait_for "emulator" curl -fsS "http://127.0.0.1:$EMULATOR_PORT/healthz"
}

stack_start_service() {
	echo "starting worker"
	"$state/bin/worker" >>"$logs/worker.log" 2>&1 &
	pids+=($!)
	echo "starting endpoint on 127.0.0.1:$HTTP_PORT"
	"$state/bin/starter" >>"$logs/starter.log" 2>&1 &
	pids+=($!)
	wait_for "endpoint" curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz"
}
