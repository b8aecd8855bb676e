#!/usr/bin/env bash
# Packs `rlvr compare` for a lent machine's CPU cores (the GPU is not used: the embedded model is too
# small for it to help), whose image has no Node.js: this machine's node binary (xz), the CLI bundled
# with esbuild (external: onnxruntime-node and piscina, which load native code or worker files of
# their own, copied as node_modules; webgpu is only imported by --backend webgpu/auto, so plans say
# --backend cpu; the verifier pool's worker script next to the bundle, where it
# looks for it), and the embedded models (found by walking up from the bundle). Output: compare-run/
# (git-ignored, ≈ 41 MB), carried by the device tool; there run `DEADLINE=S bash compare-run/run.sh PLAN`
# (e.g. docs/results/device-plan.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=compare-run
rm -rf "$out/node_modules" "$out/assets"
mkdir -p "$out/node_modules"
[[ -f gpu-run/node.xz ]] && cp gpu-run/node.xz "$out/node.xz"
[[ -f $out/node.xz ]] || xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"
npx esbuild packages/trainer/src/cli.ts --bundle --platform=node --format=esm --target=node20 \
  --loader:.wgsl=text --external:onnxruntime-node --external:piscina --external:webgpu \
  --conditions=@rlvr/source --outfile="$out/cli.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
cp packages/verifiers/dist/pool-worker.js "$out/pool-worker.js"
cp -r packages/trainer/assets "$out/assets"
for pkg in piscina onnxruntime-common; do cp -r "node_modules/$pkg" "$out/node_modules/$pkg"; done
mkdir -p "$out/node_modules/onnxruntime-node/bin/napi-v6/linux"
cp -r node_modules/onnxruntime-node/{package.json,dist,lib} "$out/node_modules/onnxruntime-node/" 2>/dev/null || cp -r node_modules/onnxruntime-node/{package.json,dist} "$out/node_modules/onnxruntime-node/"
tar -C node_modules/onnxruntime-node/bin/napi-v6/linux -cJf "$out/ort-linux-x64.tar.xz" x64
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# On the lent machine: unpack node and ONNX Runtime, then source the plan (a bash file that calls
# `job NAME rlvr-arguments…` for each process and `wait` between phases), one ORT thread per process.
# Results go to $RESULTS (default compare-run/out); at the end, or when DEADLINE seconds have passed
# (jobs still running are stopped: `rlvr compare` reruns unfinished runs elsewhere), everything but
# the checkpoints is packed into $OUT/results.tgz, one file for the device tool to bring back.
set -uo pipefail
plan="$(readlink -f "$1")"
cd "$(dirname "$0")"
xz -dc node.xz > node && chmod +x node
tar -C node_modules/onnxruntime-node/bin/napi-v6/linux -xJf ort-linux-x64.tar.xz
export RLVR_CPU_THREADS=1
RESULTS="${RESULTS:-$PWD/out}"
mkdir -p "$RESULTS"
echo "cores: $(nproc)"
job() {
  local name="$1"
  shift
  (./node cli.mjs "$@" > "$RESULTS/$name.log" 2>&1; echo "$name exit $? at $SECONDS s" >> "$RESULTS/jobs.txt") &
}
# shellcheck disable=SC1090
( source "$plan"; wait ) &
planner=$!
while kill -0 "$planner" 2>/dev/null && (( SECONDS < ${DEADLINE:-100000} )); do sleep 2; done
if kill -0 "$planner" 2>/dev/null; then
  echo "deadline of ${DEADLINE} s reached: stopping the jobs still running"
  pkill -f 'node cli.mjs'; sleep 1; kill "$planner" 2>/dev/null
fi
cat "$RESULTS/jobs.txt"
(cd "$RESULTS" && find . -name checkpoints -prune -o -type f -print | tar czf "${OUT:-$PWD}/results.tgz" -T -)
echo "packed $(du -h "${OUT:-$PWD}/results.tgz" | cut -f1) at $SECONDS s"
RUN
chmod +x "$out/run.sh"
du -sh "$out"
