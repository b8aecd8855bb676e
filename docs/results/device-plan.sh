# The from-scratch comparison as run on the lent machine's 16 CPU cores (sourced by
# compare-run/run.sh, which defines `job NAME ARGS…` = `rlvr ARGS…` in the background, and $RESULTS;
# tools/scripts/pack-device-compare.sh makes compare-run/).
# Phase 1, the learning-rate sweep: seed 1, 60 steps, every weighting × {1e-4, 3e-4, 1e-3}, plus 3e-3
# for the two weightings whose best rate in the first sweep was its largest (rloo, sqrt-r).
# Phase 2: every weighting × seeds 1–5, 80 steps, at the rate that phase 1 picked for it.
COMMON=(--eval-interval 20 --backend cpu)
WEIGHTINGS=(grpo rloo uniform-r linear-r sqrt-r plateau-r)
for w in "${WEIGHTINGS[@]}"; do
  rates=(0.0001 0.0003 0.001)
  [[ $w == rloo || $w == sqrt-r ]] && rates+=(0.003)
  for lr in "${rates[@]}"; do job "sweep-$w-$lr" compare --weightings "$w" --seeds 1 --lrs "$lr" --max-steps 60 --out "$RESULTS/sweep" "${COMMON[@]}"; done
done
wait
# The rate of each weighting with the highest mean held-out accuracy (4 samples per problem) averaged over
# the evaluations after steps 20, 40 and 60: the area under the learning curve, less noisy than one
# final greedy pass@1 over 200 problems. Ties go to the higher final greedy pass@1.
best_lr() {
  ./node -e '
    const fs = require("node:fs"), path = require("node:path");
    const [root, w] = process.argv.slice(1);
    let best = null;
    for (const dir of fs.readdirSync(path.join(root, "runs"))) {
      if (!dir.startsWith(w + "-lr")) continue;
      const evals = fs.readFileSync(path.join(root, "runs", dir, "seed-1", "metrics.jsonl"), "utf8").trim().split("\n").map(JSON.parse).filter((r) => r.kind === "eval" && r.step > 0);
      const area = evals.reduce((a, e) => a + e.meanAccuracy, 0) / evals.length;
      const last = evals.at(-1).pass1Greedy;
      const lr = Number(dir.slice(w.length + 3));
      if (best === null || area > best.area || (area === best.area && last > best.last)) best = { lr, area, last };
    }
    console.log(best.lr);' "$RESULTS/sweep" "$1"
}
for w in "${WEIGHTINGS[@]}"; do
  lr=$(best_lr "$w")
  echo "$w: lr $lr" >> "$RESULTS/chosen-lr.txt"
  # `--seeds S,` is seed S alone.
  for seed in 1 2 3 4 5; do job "scratch-$w-$seed" compare --weightings "$w" --seeds "$seed," --lr "$lr" --max-steps 80 --out "$RESULTS/scratch" "${COMMON[@]}"; done
done
