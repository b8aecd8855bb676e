"""Runs each Python integration of examples/python/rlvr_client.py against a live `rlvr serve`
(RLVR_SERVE_URL) and prints what each returned as one JSON object, for python-clients.test.ts."""

import json
import sys
import urllib.request

sys.path.insert(0, sys.argv[1])
import rlvr_client  # noqa: E402

out = {}

# verl custom_reward_function, one response per call; data_source as verl's datasets spell it.
out["verl"] = [
    rlvr_client.compute_score("openai/gsm8k", "so #### 18", "18"),
    rlvr_client.compute_score("lighteval/MATH", "It is $\\boxed{\\frac12}$.", "0.5", {"index": 3}),
    rlvr_client.compute_score("countdown", "<answer>(3 + 5) * 3</answer>", {"target": 24, "numbers": [3, 5, 3]}),
    rlvr_client.compute_score("openai/gsm8k", "so #### 17", "18"),
]
# verl's batch reward manager.
out["verl_batch"] = rlvr_client.compute_score_batch(
    ["openai/gsm8k", "lighteval/MATH"], ["#### 7", "$\\boxed{3}$"], ["7", "4"], [{}, {}]
)

# TRL reward_funcs: conversational and plain completions, the reference from a dataset column.
reward = rlvr_client.trl_reward("gsm8k", reference_column="answer")
out["trl_name"] = reward.__name__
out["trl"] = reward(
    prompts=["p1", "p2", "p3"],
    completions=[[{"role": "assistant", "content": "#### 4"}], "#### 5", [{"role": "assistant", "content": "no"}]],
    answer=["4", "6", "4"],
    trainer_state=None,
)
try:
    rlvr_client.trl_reward("gsm8k")(prompts=["p"], completions=["#### 4"], answer=["4"])
except rlvr_client.RlvrError as error:
    out["trl_missing_column"] = str(error)

# OpenRLHF --reward.remote_url: the request its single-turn executor posts, read the way it reads it.
request = urllib.request.Request(
    "%s/get_reward" % sys.argv[2],
    data=json.dumps({"query": ["Q: 2+2? A: $\\boxed{4}$"], "prompts": ["Q: 2+2?"], "labels": ["4"]}).encode(),
    headers={"Content-Type": "application/json"},
)
with urllib.request.urlopen(request) as response:
    info = json.loads(response.read())
out["openrlhf"] = {"rewards": info.get("rewards"), "scores": info.get("scores"), "extra_logs": info.get("extra_logs")}

# verl advantage estimator's core: responses grouped by uid, interleaved as verl may hold them.
advantages, rho = rlvr_client.remote_advantages([1.0, 0.0, 0.0, 0.0], ["a", "b", "a", "b"], "linear-r")
out["advantages"] = {"advantages": advantages, "rho": rho}
try:
    rlvr_client.remote_advantages([1.0, 0.0, 0.0], ["a", "a", "b"], "grpo")
except rlvr_client.RlvrError as error:
    out["advantages_uneven"] = str(error)

# A refused request names the field.
try:
    rlvr_client.compute_score("my-dataset", "x", "1")
except rlvr_client.RlvrError as error:
    out["unknown_task"] = str(error)

print(json.dumps(out))
