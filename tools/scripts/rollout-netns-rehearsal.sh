#!/usr/bin/env bash
# Multi-host rehearsal of rollout workers on one machine, with Linux network namespaces standing in for
# hosts: namespace "hub" holds Redis and the trainer, namespaces "w1" and "w2" one `rlvr worker` each.
# The hub holds a bridge on 10.77.0.0/24 (hub 10.77.0.1, workers .11 and .12) and one veth pair per
# worker, so each worker reaches Redis and the weights server only through the hub's address, as it would
# on another machine. A short training run goes through the workers; the script then checks that both
# workers ran jobs, that every step saw 2 live workers, and that the run's metrics equal those of an
# in-process run of the same config (every field but the wall-clock ones and `rollout`), prints PASS or
# FAIL and exits 0 or 1. Namespaces, links and processes are removed on any exit (also Ctrl-C).
#
# Usage (as root; needs iproute2, redis-server, node and the repository's npm install):
#   bash tools/scripts/rollout-netns-rehearsal.sh [--steps N] [--keep]
# (rlvr runs from the TypeScript sources through tsx, so no build is needed)
#     --steps N  training steps (default 3)
#     --keep     keep the work directory (logs, both runs) and print its path
# Exit status: 0 PASS, 1 FAIL, 2 bad usage or a missing tool, 77 the kernel refuses `ip netns add`.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" # node resolves `--import tsx` from here
steps=3
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --steps)
      steps=${2:-}
      shift
      ;;
    *)
      echo "rollout-netns-rehearsal: unknown argument $1 (expected --steps N, --keep)" >&2
      exit 2
      ;;
  esac
  shift
done
if ! [[ "$steps" =~ ^[1-9][0-9]*$ ]]; then
  echo "rollout-netns-rehearsal: --steps expects an integer ≥ 1, got '$steps'" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "rollout-netns-rehearsal: must run as root (ip netns)" >&2
  exit 2
fi
for tool in ip redis-server node; do
  command -v "$tool" >/dev/null || {
    echo "rollout-netns-rehearsal: $tool not found" >&2
    exit 2
  }
done

cli=(node --import tsx --import "$repo/packages/kernels/bench/register-wgsl.mjs" --conditions=@rlvr/source
  "$repo/packages/trainer/src/cli.ts")

# A per-run suffix keeps every name (namespaces, work directory) apart from anything else on the machine.
tag="$(printf '%x' $$)$(printf '%04x' $RANDOM)"
hub="rlvr-hub-$tag"
w1="rlvr-w1-$tag"
w2="rlvr-w2-$tag"
work=$(mktemp -d "${TMPDIR:-/tmp}/rlvr-netns-rehearsal.XXXXXX")
pids=()
redis_pid=
made_ns=()

# SIGTERM the given processes, then SIGKILL what is left after 5 s.
stop_all() {
  [ $# -gt 0 ] || return 0
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.5
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Redis last: a worker told to stop while Redis is gone waits for it to come back.
  stop_all "${pids[@]}"
  stop_all ${redis_pid:+"$redis_pid"}
  # Anything else still inside our namespaces was started by this script (the names are this run's own).
  for ns in "${made_ns[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ "$keep" = 1 ]; then echo "rollout-netns-rehearsal: work directory kept: $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "rollout-netns-rehearsal: FAIL: $*"
  for log in "$work"/*.log; do
    [ -f "$log" ] || continue
    echo "--- last lines of $(basename "$log")"
    tail -n 15 "$log"
  done
  exit 1
}

# --- the network: a bridge in the hub, one veth pair per worker namespace; nothing in the host's namespace.
if ! ip netns add "$hub" 2>"$work/netns.err"; then
  echo "rollout-netns-rehearsal: SKIP: the kernel refuses 'ip netns add': $(cat "$work/netns.err")" >&2
  exit 77
fi
made_ns+=("$hub")
for ns in "$w1" "$w2"; do
  ip netns add "$ns"
  made_ns+=("$ns")
done
in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}
in_ns "$hub" ip link set lo up
in_ns "$hub" ip link add br0 type bridge
in_ns "$hub" ip addr add 10.77.0.1/24 dev br0
in_ns "$hub" ip link set br0 up
n=0
for ns in "$w1" "$w2"; do
  n=$((n + 1))
  # Worker n is 10.77.0.1n on its side of veth pair n.
  in_ns "$hub" ip link add "veth$n" type veth peer name eth0 netns "$ns"
  in_ns "$hub" ip link set "veth$n" master br0
  in_ns "$hub" ip link set "veth$n" up
  in_ns "$ns" ip link set lo up
  in_ns "$ns" ip addr add "10.77.0.1$n/24" dev eth0
  in_ns "$ns" ip link set eth0 up
done

# --- the run's config: the embedded search model, one prompt per job so both workers share every step.
cat >"$work/config.json" <<EOF
{
  "model": { "path": "embedded:countdown-search-base" },
  "task": { "name": "countdown", "template": "compact" },
  "weighting": { "name": "sqrt-r", "zeroVariance": "reinforce" },
  "sampling": { "promptsPerStep": 4, "groupSize": 4, "maxNewTokens": 64 },
  "optim": { "lr": 0.001 },
  "eval": { "interval": 0 },
  "checkpoint": { "interval": 0 },
  "backend": "cpu",
  "seed": 11,
  "maxSteps": $steps,
  "rollout": { "promptsPerJob": 1 }
}
EOF

# One ONNX Runtime thread everywhere: the sampler's logprobs are reproducible to the last bit only at
# the same intra-op thread count, and the comparison below is exact.
export RLVR_CPU_THREADS=1
started=$SECONDS

# The in-process reference run, in the hub while the workers start.
ip netns exec "$hub" "${cli[@]}" train --config "$work/config.json" --out "$work/inprocess" >"$work/inprocess.log" 2>&1 &
inprocess_pid=$!
pids+=("$inprocess_pid")

# Protected mode would refuse the workers' addresses; this Redis is reachable only inside the namespaces.
ip netns exec "$hub" redis-server --bind 10.77.0.1 --port 6379 --protected-mode no --save '' --appendonly no >"$work/redis.log" 2>&1 &
redis_pid=$!
for ns in "$w1" "$w2"; do
  ip netns exec "$ns" "${cli[@]}" worker --redis redis://10.77.0.1:6379 --threads 1 --cache "$work/cache-$ns" \
    >"$work/worker-${ns%%-"$tag"}.log" 2>&1 &
  pids+=("$!")
done

# Both workers registered on the queue (they connect to Redis across the bridge).
for _ in $(seq 1 240); do
  ready=0
  for ns in "$w1" "$w2"; do grep -q ' on queue rlvr at ' "$work/worker-${ns%%-"$tag"}.log" 2>/dev/null && ready=$((ready + 1)); done
  [ "$ready" = 2 ] && break
  for pid in "$redis_pid" "${pids[@]:1}"; do kill -0 "$pid" 2>/dev/null || fail "a worker or Redis exited while starting"; done
  sleep 0.5
done
[ "$ready" = 2 ] || fail "the workers did not register on redis://10.77.0.1:6379 within 120 s"
echo "rollout-netns-rehearsal: Redis and 2 workers up after $((SECONDS - started)) s; training through them"

# In the background and waited for, so that Ctrl-C reaches the trap at once.
timeout 300 ip netns exec "$hub" "${cli[@]}" train --config "$work/config.json" --out "$work/workers" \
  --rollout.workers redis://10.77.0.1:6379 --rollout.host 10.77.0.1 --rollout.advertise 10.77.0.1 \
  >"$work/trainer.log" 2>&1 &
trainer_pid=$!
pids+=("$trainer_pid")
wait "$trainer_pid" || fail "the training run through the workers failed (exit $?; 124: over 300 s)"
wait "$inprocess_pid" || fail "the in-process run failed"
echo "rollout-netns-rehearsal: both runs done after $((SECONDS - started)) s"

grep -q 'weights served at http://10.77.0.1:' "$work/trainer.log" ||
  fail "the trainer did not serve its weights at the advertised address 10.77.0.1"
for ns in "$w1" "$w2"; do
  log="$work/worker-${ns%%-"$tag"}.log"
  ran=$(grep -c ': job .*weights version' "$log" || true)
  [ "$ran" -gt 0 ] || fail "the worker in $ns ran no job"
  echo "rollout-netns-rehearsal: the worker in $ns took $ran jobs"
done

# Equal metrics: every step of both runs, without the wall-clock fields and the queue's own `rollout`.
node --input-type=module - "$work/inprocess/metrics.jsonl" "$work/workers/metrics.jsonl" "$steps" <<'EOF' || fail "metrics differ"
import { readFileSync } from 'node:fs';
const [inprocessFile, workersFile, steps] = process.argv.slice(2);
const clock = new Set(['elapsedSeconds', 'phaseSeconds', 'promptsPerSecond', 'tokensPerSecond', 'rollout']);
const read = (file) => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
const [a, b] = [read(inprocessFile), read(workersFile)];
const stepsOf = (records) => records.filter((r) => r.kind === 'step');
if (stepsOf(a).length !== Number(steps) || stepsOf(b).length !== Number(steps)) {
  console.error(`expected ${steps} steps in each run, got ${stepsOf(a).length} in-process and ${stepsOf(b).length} through workers`);
  process.exit(1);
}
let differ = 0;
for (let i = 0; i < Math.max(a.length, b.length); i++) {
  const keys = new Set([...Object.keys(a[i] ?? {}), ...Object.keys(b[i] ?? {})]);
  for (const key of keys) {
    if (clock.has(key)) continue;
    const [x, y] = [JSON.stringify(a[i]?.[key]), JSON.stringify(b[i]?.[key])];
    if (x !== y) {
      differ++;
      console.error(`record ${i + 1} ${key}: in-process ${x}, through workers ${y}`);
    }
  }
}
const workers = stepsOf(b).map((r) => r.rollout?.workers);
if (workers.some((w) => w !== 2)) {
  console.error(`live workers per step (rollout.workers): ${workers.join(', ')}; expected 2 at every step`);
  process.exit(1);
}
if (differ > 0) process.exit(1);
console.log(`rollout-netns-rehearsal: ${a.length} metrics records equal (wall-clock fields aside)`);
EOF

echo "rollout-netns-rehearsal: PASS in $((SECONDS - started)) s"
