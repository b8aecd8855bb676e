#!/usr/bin/env bash
# The exact commands behind docs/results (run from the repository root after `npm ci && npm run build`
# or `npm start`). Two processes per regime (one ONNX Runtime thread each) share the 2 cores, then a
# last call aggregates the finished runs into the table and the figures.
set -euo pipefail
rlvr() { node packages/trainer/dist/cli.js "$@"; }
# From scratch 80 steps (the base model needs them to move); after SFT 40, as the first comparison did.
declare -A STEPS=([scratch]=80 [sft]=40)
for regime in scratch sft; do
  COMMON=(--seeds 1,2,3 --max-steps "${STEPS[$regime]}" --eval-interval 20 --eval-prompts 100 --backend cpu)
  out="runs/compare-$regime"
  RLVR_CPU_THREADS=1 rlvr compare --regime "$regime" --weightings grpo,rloo,uniform-r "${COMMON[@]}" --out "$out" > "/tmp/compare-$regime-a.log" 2>&1 &
  RLVR_CPU_THREADS=1 rlvr compare --regime "$regime" --weightings linear-r,sqrt-r,plateau-r "${COMMON[@]}" --out "$out" > "/tmp/compare-$regime-b.log" 2>&1 &
  wait
  rlvr compare --regime "$regime" "${COMMON[@]}" --out "$out"
  mkdir -p "docs/results/$regime/metrics"
  cp "$out"/results.md "$out"/results.json "$out"/*.svg "docs/results/$regime/"
  for run in "$out"/runs/*/seed-*; do
    cp "$run/metrics.jsonl" "docs/results/$regime/metrics/$(basename "$(dirname "$run")")-$(basename "$run").jsonl"
  done
done
