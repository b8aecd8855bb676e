#!/usr/bin/env bash
# Packs what a lent GPU machine (Python/PyTorch image: no Node.js, no node_modules) needs to run
# packages/kernels/bench/device-check.ts (kernels against f64 references, matmul and loss speed) and
# device-model-check.ts (the WebGPU decoder against transformers via torch-parity.py, and its training
# step against PyTorch's): this machine's node binary and dawn.node (xz), the Vulkan loader, and the
# checks bundled with their WGSL. Output: gpu-run/ (git-ignored, ≈ 30 MB), carried by
# the device tool; on the device run `bash gpu-run/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=gpu-run
mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
[[ -f $out/node.xz ]] || xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"
[[ -f $out/dawn.node.xz ]] || xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$out/dawn.node.xz"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$out/node_modules/webgpu/"
cp "$(readlink -f /usr/lib/x86_64-linux-gnu/libvulkan.so.1)" "$out/libvulkan.so.1"
for check in device-check device-model-check split-device-check; do
  npx esbuild "packages/kernels/bench/$check.ts" --bundle --platform=node --format=esm --target=node20 \
    --loader:.wgsl=text --external:webgpu --conditions=@rlvr/source --outfile="$out/$check.mjs" --log-level=warning
done
cp packages/kernels/bench/torch-parity.py "$out/"
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# On the GPU machine: unpack, then run the check. NVIDIA's GLX Vulkan ICD fails headless ("Could not
# get vkCreateInstance"); the same driver through libEGL_nvidia works, so point the loader at it.
set -euo pipefail
cd "$(dirname "$0")"
xz -dc node.xz > node && chmod +x node
xz -dc dawn.node.xz > node_modules/webgpu/dist/linux-x64/dawn.node
sed 's/libGLX_nvidia.so.0/libEGL_nvidia.so.0/' /usr/share/vulkan/icd.d/nvidia_icd.json > nvidia_egl_icd.json
export LD_LIBRARY_PATH="$PWD:/usr/local/nvidia/lib64:${LD_LIBRARY_PATH:-}" VK_ICD_FILENAMES="$PWD/nvidia_egl_icd.json" XDG_RUNTIME_DIR=/tmp
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
results="${OUT:-$PWD/out}"
mkdir -p "$results"
# The model checks first: they are the newest; the kernel case tables and the split check follow.
./node device-model-check.mjs "$results" 2>&1 | tee "$results/device-model-check.txt" || echo "device-model-check failed"
python3 torch-parity.py "$results" 2>&1 | grep -v Warning | tee "$results/torch-parity.txt" || echo "torch-parity failed"
# RLVR_DEVICE_QUICK=1 stops here (a rerun of the model checks alone).
[[ -n "${RLVR_DEVICE_QUICK:-}" ]] && exit 0
./node device-check.mjs 2>&1 | tee "$results/device-check.txt" || echo "device-check failed"
./node split-device-check.mjs 2>&1 | grep -v '^Warning' | tee "$results/split-device-check.txt" || echo "split-device-check failed"
RUN
chmod +x "$out/run.sh"
du -sh "$out"
