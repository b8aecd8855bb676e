"""Call `rlvr serve` from Python RL stacks. Standard library only (Python 3.8+).

One file to copy next to your training script:

- verl:  ``custom_reward_function.path=rlvr_client.py custom_reward_function.name=compute_score``
  (or ``compute_score_batch`` with ``reward_model.reward_manager=batch``), and
  ``register_verl_estimator(...)`` for an advantage estimator computed by ``/v1/advantages``.
- TRL:   ``GRPOTrainer(reward_funcs=[trl_reward("math")], ...)``.
- OpenRLHF needs no Python: ``--reward.remote_url http://127.0.0.1:8000/get_reward``.

The server is ``RLVR_SERVE_URL`` (default ``http://127.0.0.1:8000``); ``RLVR_SERVE_TOKEN`` is sent as a
bearer token when set. A full queue (503) is retried after the server's Retry-After; a bad request
(4xx) raises ``RlvrError`` with the server's message, which names the field at fault.
"""

import http.client
import json
import os
import threading
import time
import urllib.parse

__all__ = [
    "RlvrClient",
    "RlvrError",
    "compute_score",
    "compute_score_batch",
    "trl_reward",
    "remote_advantages",
    "register_verl_estimator",
]


class RlvrError(RuntimeError):
    """The server refused a request (4xx) or could not be reached after the retries."""


class RlvrClient:
    """A connection per thread to one `rlvr serve` server, kept open between calls."""

    def __init__(self, url=None, token=None, timeout=600.0, retries=8):
        parsed = urllib.parse.urlsplit(url or os.environ.get("RLVR_SERVE_URL", "http://127.0.0.1:8000"))
        if parsed.scheme not in ("http", "https"):
            raise RlvrError("url: expected http://HOST:PORT, got %r" % (url,))
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port
        self._token = token if token is not None else os.environ.get("RLVR_SERVE_TOKEN")
        self._timeout = timeout
        self._retries = retries
        self._local = threading.local()

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = kind(self._host, self._port, timeout=self._timeout)
            self._local.conn = conn
        return conn

    def _drop(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def request(self, method, path, body=None):
        """Send one request and return the parsed JSON reply."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"content-type": "application/json"} if data is not None else {}
        if self._token:
            headers["authorization"] = "Bearer " + self._token
        for attempt in range(self._retries + 1):
            try:
                conn = self._connection()
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as error:
                # A dropped keep-alive connection or a server restarting: reconnect and retry.
                self._drop()
                if attempt == self._retries:
                    raise RlvrError("%s %s: %s" % (method, path, error)) from error
                time.sleep(min(2.0, 0.1 * 2**attempt))
                continue
            if response.getheader("connection", "").lower() == "close":
                self._drop()
            if response.status == 503 and attempt < self._retries:
                time.sleep(float(response.getheader("retry-after") or 1))
                continue
            try:
                reply = json.loads(payload.decode("utf-8")) if payload else {}
            except ValueError:
                reply = {"error": payload[:200].decode("utf-8", "replace")}
            if response.status >= 400:
                raise RlvrError("%s %s: %d %s" % (method, path, response.status, reply.get("error")))
            return reply
        raise RlvrError("%s %s: still refused after %d retries" % (method, path, self._retries))

    def verify(self, items, task=None):
        """Verify ``[{"response", "reference", "task"?}]``; one result dict per item, in order."""
        body = {"items": items}
        if task is not None:
            body["task"] = task
        return self.request("POST", "/v1/verify", body)["results"]

    def advantages(self, rewards, group_size, weighting, zero_variance=None, binarize_threshold=None, parameters=None):
        """Advantages of B contiguous groups of ``group_size`` rewards, and rho-hat of each group."""
        body = {"weighting": weighting, "groupSize": group_size, "rewards": list(rewards)}
        if zero_variance is not None:
            body["zeroVariance"] = zero_variance
        if binarize_threshold is not None:
            body["binarizeThreshold"] = binarize_threshold
        if parameters:
            body["parameters"] = parameters
        reply = self.request("POST", "/v1/advantages", body)
        return reply["advantages"], reply["rho"]


_default = None


def _client():
    global _default
    if _default is None:
        _default = RlvrClient()
    return _default


def _plain(value):
    """numpy arrays and scalars (as verl's parquet rows hold them) as JSON-ready Python values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _reference(ground_truth):
    ref = _plain(ground_truth)
    # TinyZero's Countdown data (verl's recipe) spells the numbers `numbers`; the verifier reads `nums`.
    if isinstance(ref, dict) and "numbers" in ref and "nums" not in ref:
        ref = dict(ref, nums=ref.pop("numbers"))
    return ref


def _task(data_source):
    # RLVR_TASK forces one verifier; otherwise the server maps verl's data_source ids (openai/gsm8k,
    # lighteval/MATH, ...) or takes a verifier name.
    return os.environ.get("RLVR_TASK") or data_source


def _score(result):
    return {"score": result["reward"], "acc": result["correct"], "pred": result["extracted"] or ""}


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl ``custom_reward_function``: one response; ``{"score", "acc", "pred"}``."""
    item = {"response": solution_str, "reference": _reference(ground_truth), "task": _task(data_source)}
    return _score(_client().verify([item])[0])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """verl ``custom_reward_function`` for ``reward_manager=batch``: the whole batch in one request."""
    items = [
        {"response": s, "reference": _reference(g), "task": _task(d)}
        for d, s, g in zip(data_sources, solution_strs, ground_truths)
    ]
    return [_score(r) for r in _client().verify(items)]


def trl_reward(task="math", reference_column="solution", client=None):
    """A TRL ``reward_funcs`` entry: ``f(prompts, completions, **columns) -> list[float]``.

    ``reference_column`` is the dataset column holding each prompt's reference answer. Conversational
    completions (lists of messages) are read from their last message's ``content``.
    """

    def reward(prompts=None, completions=None, **columns):
        if reference_column not in columns:
            raise RlvrError(
                "trl_reward: the dataset has no column %r (columns: %s); pass reference_column="
                % (reference_column, ", ".join(sorted(columns)))
            )
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
        items = [{"response": t, "reference": _plain(r)} for t, r in zip(texts, columns[reference_column])]
        return [r["reward"] for r in (client or _client()).verify(items, task=task)]

    # TRL logs each reward function under its __name__.
    reward.__name__ = "rlvr_" + task.replace("-", "_")
    return reward


def remote_advantages(scores, index, weighting, zero_variance=None, binarize_threshold=None, parameters=None, client=None):
    """Advantages for responses grouped by ``index`` (verl's ``uid``), in the input order.

    Every group must hold the same number of responses (verl's ``rollout.n``). Returns
    ``(advantages, rho_by_group)`` with ``rho_by_group`` a dict from group id to rho-hat.
    """
    groups = {}
    for position, uid in enumerate(index):
        groups.setdefault(uid, []).append(position)
    sizes = {len(p) for p in groups.values()}
    if len(sizes) != 1:
        raise RlvrError("remote_advantages: groups of different sizes %s; expected rollout.n each" % sorted(sizes))
    order = [p for positions in groups.values() for p in positions]
    rewards = [float(scores[p]) for p in order]
    advantages, rho = (client or _client()).advantages(
        rewards, sizes.pop(), weighting, zero_variance, binarize_threshold, parameters
    )
    result = [0.0] * len(order)
    for p, a in zip(order, advantages):
        result[p] = a
    return result, dict(zip(groups.keys(), rho))


def register_verl_estimator(name, weighting, zero_variance=None, binarize_threshold=None, parameters=None):
    """Register ``name`` in verl's advantage-estimator registry (``algorithm.adv_estimator=name``).

    Call it in the process that builds the trainer, before training starts. Outcome rewards only:
    each response's reward is the sum of its token-level rewards, as verl's GRPO reads it.
    """
    import torch  # noqa: PLC0415 - verl's environment has torch; the rest of this file does not need it
    from verl.trainer.ppo.core_algos import register_adv_est  # noqa: PLC0415

    def estimator(token_level_rewards, response_mask, index=None, config=None, **kwargs):
        scores = token_level_rewards.sum(dim=-1)
        uids = index if index is not None else list(range(scores.shape[0]))
        values, _ = remote_advantages(scores.tolist(), list(uids), weighting, zero_variance, binarize_threshold, parameters)
        advantages = torch.tensor(values, dtype=scores.dtype, device=scores.device).unsqueeze(-1) * response_mask
        return advantages, advantages

    register_adv_est(name)(estimator)
    return estimator
