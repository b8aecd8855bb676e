# The from-scratch comparison as run on the lent machine's 16 CPU cores (sourced by
# compare-run/run.sh, which defines `job NAME ARGS…` = `rlvr ARGS…` in the background, and $RESULTS).
# Phase 1: the learning-rate sweep, seed 1, every weighting × {1e-4, 3e-4, 1e-3}.
# Phase 2: every weighting × seeds 1–3 at the rate with the best final held-out accuracy in phase 1.
COMMON=(--max-steps 60 --eval-interval 20 --backend cpu)
WEIGHTINGS=(grpo rloo uniform-r linear-r sqrt-r plateau-r)
for w in "${WEIGHTINGS[@]}"; do
  for lr in 0.0001 0.0003 0.001; do job "sweep-$w-$lr" compare --weightings "$w" --seeds 1 --lrs "$lr" --out "$RESULTS/sweep" "${COMMON[@]}"; done
done
wait
# The best rate of each weighting, from the sweep's runs (final held-out pass@1 of seed 1).
best_lr() {
  ./node -e '
    const fs = require("node:fs"), path = require("node:path");
    const [root, w] = process.argv.slice(1);
    let best = null;
    for (const dir of fs.readdirSync(path.join(root, "runs"))) {
      if (!dir.startsWith(w + "-lr")) continue;
      const lines = fs.readFileSync(path.join(root, "runs", dir, "seed-1", "metrics.jsonl"), "utf8").trim().split("\n").map(JSON.parse);
      const last = lines.filter((r) => r.kind === "eval").at(-1);
      const lr = Number(dir.slice(w.length + 3));
      if (best === null || last.pass1Greedy > best.acc || (last.pass1Greedy === best.acc && last.meanAccuracy > best.mean)) best = { lr, acc: last.pass1Greedy, mean: last.meanAccuracy };
    }
    console.log(best.lr);' "$RESULTS/sweep" "$1"
}
for w in "${WEIGHTINGS[@]}"; do
  lr=$(best_lr "$w")
  echo "$w: lr $lr" >> "$RESULTS/chosen-lr.txt"
  # `--seeds S,` is seed S alone (as run, this line said `--seeds "$seed"`, which means seeds 1…S: phase 2
  # repeated seed 1 and overran the call; see README.md).
  for seed in 1 2 3; do job "scratch-$w-$seed" compare --weightings "$w" --seeds "$seed," --lr "$lr" --out "$RESULTS/scratch" "${COMMON[@]}"; done
done
