# The post-SFT comparison as run on the lent machine's 16 CPU cores (sourced by compare-run/run.sh, like
# device-plan.sh): every weighting × seeds 1–3, 40 steps from embedded:countdown-sft, each weighting at
# its tuned rate (TUNED_LEARNING_RATES, picked by the from-scratch sweep of device-plan.sh).
COMMON=(--regime sft --max-steps 40 --eval-interval 20 --backend cpu)
for w in grpo rloo uniform-r linear-r sqrt-r plateau-r; do
  for seed in 1 2 3; do job "sft-$w-$seed" compare --weightings "$w" --seeds "$seed," --out "$RESULTS/sft" "${COMMON[@]}"; done
done
