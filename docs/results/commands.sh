#!/usr/bin/env bash
# The exact commands behind docs/results (run from the repository root after `npm ci && npm run build`
# or `npm start`). What ran where, on 2026-11-27:
#   - the learning-rate sweep and the post-SFT comparison on the 16 CPU cores of a lent machine
#     (tools/scripts/pack-device-compare.sh packs the CLI, node and the models into compare-run/; there,
#     `DEADLINE=S bash compare-run/run.sh PLAN` runs the plan and packs the results into one file);
#   - the from-scratch comparison on this project's 2-core machine, two processes with one ONNX Runtime
#     thread each (the lent machine's time ran out before its phase 2 finished; see README.md).
# Every `rlvr compare` call reuses the finished runs in its --out directory that have the planned
# configuration, so the last call of each part only aggregates them into the table and the figures.
set -euo pipefail
rlvr() { node packages/trainer/dist/cli.js "$@"; }

# 1. Learning-rate sweep (lent machine): device-plan.sh phase 1, then the table of docs/results/sweep.
#      DEADLINE=525 bash compare-run/run.sh docs/results/device-plan.sh   # results in compare-run/out
rlvr compare --seeds 1 --lrs 0.0001,0.0003,0.001 --max-steps 60 --eval-interval 20 --backend cpu --out compare-run/out/sweep
rlvr compare --weightings rloo,sqrt-r --seeds 1 --lrs 0.003 --max-steps 60 --eval-interval 20 --backend cpu --out compare-run/out/sweep
# The chosen rates went into TUNED_LEARNING_RATES (packages/trainer/src/commands/compare.ts).

# 2. From scratch (this machine): 6 weightings × seeds 1–3, 80 steps, at the tuned rates.
COMMON=(--seeds 1,2,3 --max-steps 80 --eval-interval 20 --backend cpu --out runs/compare-scratch)
RLVR_CPU_THREADS=1 rlvr compare --weightings grpo,rloo,uniform-r "${COMMON[@]}" > /tmp/compare-scratch-a.log 2>&1 &
RLVR_CPU_THREADS=1 rlvr compare --weightings linear-r,sqrt-r,plateau-r "${COMMON[@]}" > /tmp/compare-scratch-b.log 2>&1 &
wait
rlvr compare "${COMMON[@]}"

# 3. After SFT (lent machine): device-plan-sft.sh, then the table.
#      DEADLINE=245 bash compare-run/run.sh docs/results/device-plan-sft.sh
rlvr compare --regime sft --seeds 3 --max-steps 40 --eval-interval 20 --backend cpu --out compare-run/out/sft

# Copy a comparison's table, figures and every run's metrics into docs/results/REGIME.
publish() {
  local out="$1" regime="$2"
  mkdir -p "docs/results/$regime/metrics"
  cp "$out"/results.md "$out"/results.json "$out"/*.svg "docs/results/$regime/"
  if [ -f "$out/theory.md" ]; then cp "$out/theory.md" "docs/results/$regime/"; fi
  for run in "$out"/runs/*/seed-*/; do
    run="${run%/}"
    cp "$run/metrics.jsonl" "docs/results/$regime/metrics/$(basename "$(dirname "$run")")-$(basename "$run").jsonl"
  done
}
publish runs/compare-scratch scratch
publish compare-run/out/sft sft
publish runs/theory-hidden theory/hidden
publish runs/theory-hidden-groups8 theory/hidden-groups8
publish runs/theory-copy theory/copy
cp runs/theory-sweep/sweep.md runs/theory-sweep/sweep.json docs/results/theory/
mkdir -p docs/results/theory/sweep-metrics
for run in runs/theory-sweep/runs/*/seed-1/; do
  run="${run%/}"
  cp "$run/metrics.jsonl" "docs/results/theory/sweep-metrics/$(basename "$(dirname "$run")").jsonl"
done
# The theory runs' metrics are kept compressed (gzip -9), and for the until-success and copy comparisons
# the ρ̂ heatmaps of Linear-R and GRPO only.
gzip -9 docs/results/theory/*/metrics/*.jsonl docs/results/theory/sweep-metrics/*.jsonl
rm docs/results/theory/{hidden-groups8,copy}/rho-{rloo,uniform-r,sqrt-r,plateau-r}.svg

# 4. The theory's regime (this machine, 2026-12-06): the choice tasks from embedded:choice-base (every prompt at
#    ρ₀ ≈ 1/40), two runs at a time with one thread each (--parallel 2). The base model:
rlvr pretrain --task choice --out packages/trainer/assets/choice-base --steps 1500 --batch 64 --lr 0.001 --seed 1
#    The learning-rate sweep (seed 1, 300 steps; the chosen rates went into CHOICE_LEARNING_RATES), then the
#    comparisons at the chosen rates: fixed sampling (5 seeds), sampling until a success (at most 8 groups of 8
#    per prompt and step: the effective clock; 3 seeds), and the shared rule `copy` (3 seeds).
rlvr compare --task choice --seeds 1 --lrs 0.001,0.003,0.01,0.03 --max-steps 300 --eval-interval 20 --backend cpu --parallel 2 --out runs/theory-sweep
rlvr compare --task choice --rule hidden --seeds 5 --max-steps 300 --eval-interval 20 --backend cpu --parallel 2 --out runs/theory-hidden
rlvr compare --task choice --rule hidden --seeds 3 --max-steps 300 --eval-interval 20 --backend cpu --parallel 2 --max-groups 8 --out runs/theory-hidden-groups8
rlvr compare --task choice --rule copy --seeds 3 --max-steps 300 --eval-interval 20 --backend cpu --parallel 2 --out runs/theory-copy

# 5. The search base model with its habitual answer, then the demo from it (2026-12-06, this machine): `npm start`
#    from a fresh clone; demo-search/evals-every-80-steps.* is the same run evaluated after step 80 as well.
#    The first search base model (demo-search/miss-share-base/) had `--miss-share 0.7` instead of `--habit-share 0.3`.
rlvr pretrain --task countdown --out runs/search-base --steps 1600 --batch 32 --lr 0.003 --seed 1 --corpus search --habit-share 0.3 --model-config '{"hidden_size":96,"intermediate_size":256}'
npx tsx --conditions=@rlvr/source packages/trainer/scripts/countdown-candidate-hits.ts
rlvr demo --out runs/demo-search

# 6. The v2 model's demo on 2026-12-06 (this machine; cpu backend, engine auto), then the same setup
#    evaluated every 80 steps (demo/demo-960-steps.config.json is demo/config.json with eval.interval 80).
rlvr train --config docs/results/demo/config.json --out runs/demo
rlvr train --config docs/results/demo/demo-960-steps.config.json --out runs/demo-960-steps

# 7. Countdown across the whole range from the search base model (2026-12-06/07, this machine, two runs at a
#    time): the learning-rate sweep (docs/results/range-sweep/). It ran in two invocations, rates 0.0005 and
#    0.0015 first; the second reused those runs. sweep.md ends with the rates the rule chose and the --lr that
#    compares at them.
rlvr compare --model embedded:countdown-search-base --lrs 0.000125,0.00025,0.0005,0.0015 --seeds 1 --max-steps 100 --eval-interval 50 --eval-prompts 100 --parallel 2 --out runs/range-sweep

# 8. The 5-seed comparison at the rates the sweep chose (2026-12-06/07, this machine, two runs at a time; it
#    ran in several invocations, each reusing the finished runs), published like the others.
rlvr compare --model embedded:countdown-search-base --seeds 5 --max-steps 100 --eval-interval 25 --eval-prompts 100 --parallel 2 --lr grpo=0.0005,rloo=0.0005,uniform-r=0.00025,linear-r=0.00025,sqrt-r=0.0005,plateau-r=0.00025 --out runs/range-compare
publish runs/range-compare range-compare
gzip -9 docs/results/range-compare/metrics/*.jsonl

# 9. After SFT from the search base model (2026-12-07, this machine): its SFT'd version (6 steps on correct
#    solutions in its own search text), then 6 weightings × 3 seeds × 40 steps at the rates of step 8.
rlvr pretrain --task countdown --sft packages/trainer/assets/countdown-search-base --corpus search --out runs/search-sft-6 --steps 6 --batch 32 --lr 0.001 --seed 1
rlvr compare --model runs/search-sft-6 --max-new-tokens 288 --seeds 3 --max-steps 40 --eval-interval 20 --eval-prompts 100 --parallel 2 --lr grpo=0.0005,rloo=0.0005,uniform-r=0.00025,linear-r=0.00025,sqrt-r=0.0005,plateau-r=0.00025 --out runs/range-sft
publish runs/range-sft range-sft
gzip -9 docs/results/range-sft/metrics/*.jsonl
cp runs/search-sft-6/PROVENANCE.md docs/results/range-sft/start-model-PROVENANCE.md

# 10. The high end: GRPO, Uniform-R, Linear-R and Plateau-R, 5 seeds × 160 steps at the rates of step 8
#     (2026-12-07, this machine, two runs at a time; GRPO and Linear-R in a first invocation, Uniform-R
#     and then Plateau-R in later ones that reused them): step 8's configuration run longer, with
#     held-out evaluations every 25 steps. The published runs' last evaluation is after step 150: they
#     ran before rlvr train evaluated after the last step too, which a run of this command now adds.
rlvr compare --model embedded:countdown-search-base --weightings grpo,uniform-r,linear-r,plateau-r --seeds 5 --max-steps 160 --eval-interval 25 --eval-prompts 100 --parallel 2 --lr grpo=0.0005,uniform-r=0.00025,linear-r=0.00025,plateau-r=0.00025 --out runs/range-160
publish runs/range-160 range-160
gzip -9 docs/results/range-160/metrics/*.jsonl
