#!/bin/sh
# Waits for the Temporal server, then creates the default namespace and
# the search attributes the service sets on its workflows. Safe to run
# again.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
namespace="${NAMESPACE:-default}"

tries=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -ge 60 ]; then
		echo "temporal at $TEMPORAL_ADDRESS is not healthy after 60 tries" >&2
		exit 1
	fi
	sleep 2
done

temporal operator namespace describe -n "$namespace" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 ||
	temporal operator namespace create -n "$namespace" --retention 720h --address "$TEMPORAL_ADDRESS"

for attr in BatchId:Keyword CustomerLogin:Keyword BatchStatus:Keyword CustomerStatus:Keyword \
	CustomerIndex:Int ResellerId:Int; do
	name="${attr%%:*}"
	type="${attr##*:}"
	temporal operator search-attribute create --name "$name" --type "$type" \
		-n "$namespace" --address "$TEMPORAL_ADDRESS" ||
		echo "search attribute $name exists"
done
echo "namespace $namespace ready"
