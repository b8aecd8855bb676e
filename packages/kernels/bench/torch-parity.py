"""Independent reference on the lent GPU machine (PyTorch + transformers image).

1. Parity: for each case written by device-model-check.ts, load the model directory with transformers
   (float64, eager attention), run the same tokens/mask (positions from the mask, as @rlvr/kernels does),
   the same mean next-token cross-entropy over real token pairs, and compare logits (real positions) and
   every parameter gradient with ours: max |ours - hf| / max |hf| per tensor.
2. Baseline: PyTorch's own f32 training step (forward, cross-entropy, backward, clip, AdamW) on the
   same three shapes as the WebGPU timing, TF32 off (so both sides do f32 math), tokens/s.

Usage: python3 torch-parity.py OUT_DIR   (prints text; writes OUT_DIR/torch-results.json)
"""
import json
import os
import sys
import time

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForCausalLM

out = sys.argv[1] if len(sys.argv) > 1 else "device-out"
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
device = "cuda" if torch.cuda.is_available() else "cpu"
results = {"device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu", "torch": torch.__version__, "parity": {}, "train_step": []}


def mean_next_token_ce(logits, tokens, mask):
    pair = (mask[:, :-1] * mask[:, 1:]).bool()
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    picked = logp.gather(-1, tokens[:, 1:].unsqueeze(-1)).squeeze(-1)
    return -(picked[pair]).sum() / pair.sum()


parity_root = os.path.join(out, "parity")
for case in sorted(os.listdir(parity_root)) if os.path.isdir(parity_root) else []:
    d = os.path.join(parity_root, case)
    inputs = json.load(open(os.path.join(d, "inputs.json")))
    b, s = inputs["batch"], inputs["seq"]
    tokens = torch.tensor(inputs["tokens"], device=device).view(b, s)
    mask = torch.tensor(inputs["mask"], device=device).view(b, s)
    model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float64, attn_implementation="eager").to(device)
    # Each row alone, without its padding: HF's own padding masks can turn fully masked padding rows into
    # NaN in float64 (min + min = -inf), which 0 * NaN then spreads; unpadded rows need no mask at all.
    logits = torch.zeros(b, s, model.config.vocab_size, dtype=torch.float64, device=device)
    pairs = (mask[:, :-1] * mask[:, 1:]).sum()
    total = 0
    for row in range(b):
        first = int((mask[row] == 0).sum())
        ids = tokens[row, first:].unsqueeze(0)
        row_logits = model(input_ids=ids).logits[0]
        logp = torch.log_softmax(row_logits[:-1], dim=-1)
        total = total - logp.gather(-1, ids[0, 1:].unsqueeze(-1)).sum()
        logits[row, first:] = row_logits.detach()
    (total / pairs).backward()
    ours = load_file(os.path.join(d, "ours.safetensors"))
    real = mask.bool().cpu()
    ref_logits = logits.cpu()
    our_logits = ours["logits"].double()
    rows = {"logits": float((our_logits[real] - ref_logits[real]).abs().max() / ref_logits[real].abs().max())}
    for name, p in model.named_parameters():
        key = f"grad.{name}"
        if key not in ours:
            rows[name] = "missing in ours"
            continue
        g = p.grad.detach().cpu()
        rows[name] = float((ours[key].double() - g).abs().max() / g.abs().max().clamp(min=1e-300))
    extra = [k for k in ours if k.startswith("grad.") and k[5:] not in dict(model.named_parameters())]
    if extra:
        rows["extra in ours"] = extra
    results["parity"][case] = rows
    worst = max(v for v in rows.values() if isinstance(v, float))
    print(f"parity {case}: logits rel err {rows['logits']:.2e}; worst tensor rel err {worst:.2e} over {len(rows) - 1} gradients")
    for k, v in rows.items():
        if not isinstance(v, float) or v > 1e-4:
            print(f"  {k}: {v}")

shapes = [
    ("qwen2-1m", dict(model_type="qwen2", hidden_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, intermediate_size=344, vocab_size=2048, rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=True), 64, 64),
    ("smollm2-135m", dict(model_type="llama", hidden_size=576, num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3, intermediate_size=1536, vocab_size=49152, rms_norm_eps=1e-5, rope_theta=100000.0, tie_word_embeddings=True), 8, 256),
    ("qwen2.5-0.5b", dict(model_type="qwen2", hidden_size=896, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2, intermediate_size=4864, vocab_size=151936, rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True), 4, 256),
]
for name, cfg, b, s in shapes:
    if device != "cuda" or os.environ.get("PARITY_ONLY"):
        break
    config = AutoConfig.for_model(**cfg)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-6, weight_decay=0.01)
    tokens = torch.randint(0, cfg["vocab_size"], (b, s), device=device)
    mask = torch.ones_like(tokens)
    times = []
    for i in range(6):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        loss = mean_next_token_ce(model(input_ids=tokens, attention_mask=mask).logits, tokens, mask)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    times.sort()
    sec = times[len(times) // 2]
    params = sum(p.numel() for p in model.parameters())
    results["train_step"].append({"name": name, "params": params, "batch": b, "seq": s, "secondsPerStep": sec, "tokensPerSecond": b * s / sec})
    print(f"torch f32 (TF32 off) train step {name} ({params / 1e6:.1f}M params, batch {b} x seq {s}): {sec:.3f} s/step, {b * s / sec:.0f} tokens/s")
    del model, opt
    torch.cuda.empty_cache()

json.dump(results, open(os.path.join(out, "torch-results.json"), "w"), indent=2)
