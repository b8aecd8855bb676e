#!/usr/bin/env python3
"""
Measure math-verify (and, where their code is at hand, the peers' own graders) on our peer case files,
and write the verdicts back into each line as measured facts, plus a timing summary.

  PYTHONPATH=MATH_VERIFY/src:LATEX2SYMPY2_EXTENDED/src python3 tools/peers/run-math-verify.py \
      --math-verify MATH_VERIFY [--nemo-skills NEMO_SKILLS] [--hendrycks HENDRYCKS_MATH] \
      [--cases packages/verifiers/cases/peers] [--reps 5]

For every case of every `<suite>.jsonl` in --cases, `"peer"` becomes:

* `math-verify-default`: `verify(parse(gold), parse(pred))` with math-verify's default configs (what a
  TRL-style reward function that calls the two functions plainly gets);
* `math-verify-own` (math-verify suite only): the case under its own test's harness, i.e. the peer's
  own `tests.test_all.compare_strings(gold, pred, **options)` imported from the checkout, or plain
  `verify(parse(gold), parse(pred))` for the cases whose test calls exactly that;
* `nemo-skills-own` (NeMo-Skills suite, with --nemo-skills): the checkout's `math_equal(gold, pred)`
  (its module loaded from the file, its one logging helper stubbed), running on this math-verify;
* `hendrycks-own` (Hendrycks suite, with --hendrycks): the checkout's `is_equiv(gold, pred)`.

Timing (`math-verify.timing.json` next to the case files): the default harness only (parse both,
then verify), per case the median of --reps runs, math-verify's string-keyed parse caches cleared
before every run so that no run is served from a cache; then the median, p90, p99 and maximum over
the cases of the math-verify suite (the "mixed set": bare answers and long model outputs), and the
same over every suite together. Wall-clock, single thread, on the machine this runs on.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_cases(path: Path, cases: list[dict]) -> None:
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")


def quantile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank quantile (q in [0, 1]) of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 1))))
    return sorted_values[rank - 1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--math-verify", required=True, type=Path, help="root of a Math-Verify checkout (its tests/ are imported)")
    ap.add_argument("--nemo-skills", type=Path, help="root of a NeMo-Skills checkout")
    ap.add_argument("--hendrycks", type=Path, help="root of a hendrycks/math checkout")
    ap.add_argument("--cases", type=Path, default=Path(__file__).resolve().parents[2] / "packages/verifiers/cases/peers")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    sys.path[:0] = [str(args.math_verify.resolve())]
    import sympy
    import math_verify
    from math_verify import parse, verify
    from math_verify import parser as mv_parser

    compare_strings = importlib.import_module("tests.test_all").compare_strings

    own = {}
    if args.nemo_skills:
        for name in ("nemo_skills", "nemo_skills.evaluation"):
            sys.modules.setdefault(name, types.ModuleType(name))
        utils = types.ModuleType("nemo_skills.utils")
        utils.get_logger_name = lambda file: "nemo_skills.math_grader"
        sys.modules["nemo_skills.utils"] = utils
        spec = importlib.util.spec_from_file_location("peer_nemo_math_grader", args.nemo_skills / "nemo_skills/evaluation/math_grader.py")
        grader = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(grader)
        own["nemo-skills"] = ("nemo-skills-own", lambda c: bool(grader.math_equal(c["reference"], None if c.get("prediction_is_none") else c["response"])))
    if args.hendrycks:
        spec = importlib.util.spec_from_file_location("peer_hendrycks_math_equivalence", args.hendrycks / "modeling/math_equivalence.py")
        equivalence = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(equivalence)
        own["hendrycks"] = ("hendrycks-own", lambda c: bool(equivalence.is_equiv(c["reference"], c["response"])))

    def default_verdict(gold: str, pred: str) -> bool:
        return bool(verify(parse(gold), parse(pred)))

    def own_math_verify(case: dict) -> bool:
        options = dict(case["options"])
        if options.pop("harness", None) == "parse-verify":
            return default_verdict(case["reference"], case["response"])
        return bool(compare_strings(case["reference"], case["response"], **options))

    def clear_caches() -> None:
        mv_parser.parse_latex_cached.cache_clear()
        mv_parser.parse_expr_cached.cache_clear()
        mv_parser.extract_latex.cache_clear()

    timings: dict[str, list[float]] = {}
    for path in sorted(args.cases.glob("*.jsonl")):
        cases = load_cases(path)
        suite = cases[0]["suite"]
        per_case = []
        for case in cases:
            peer = {}
            if suite == "math-verify":
                peer["math-verify-own"] = own_math_verify(case)
            peer["math-verify-default"] = default_verdict(case["reference"], case["response"])
            if suite in own:
                key, fn = own[suite]
                peer[key] = fn(case)
            case["peer"] = peer
            runs = []
            for _ in range(args.reps):
                clear_caches()
                start = time.perf_counter()
                verify(parse(case["reference"]), parse(case["response"]))
                runs.append(time.perf_counter() - start)
            per_case.append(statistics.median(runs) * 1000)
        write_cases(path, cases)
        timings[suite] = per_case
        agree = {k: sum(c["peer"][k] == c["expected"] for c in cases) for k in cases[0]["peer"]}
        print(f"{suite}: {len(cases)} cases; agreement with the expected verdict: " + ", ".join(f"{k} {v}/{len(cases)}" for k, v in agree.items()), file=sys.stderr)

    def summary(values: list[float]) -> dict:
        s = sorted(values)
        return {
            "cases": len(s),
            "median_ms": round(quantile(s, 0.5), 3),
            "p90_ms": round(quantile(s, 0.9), 3),
            "p99_ms": round(quantile(s, 0.99), 3),
            "max_ms": round(s[-1], 3),
            "mean_ms": round(statistics.fmean(s), 3),
        }

    def version(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "not installed as a distribution"

    def commit(root: Path) -> str:
        try:
            return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    l2s = importlib.import_module("latex2sympy2_extended")
    report = {
        "what": "math-verify default harness per case: parse(gold), parse(prediction), verify(gold, prediction); "
        f"median of {args.reps} runs per case, parse caches cleared before each run; quantiles nearest-rank over cases",
        "mixed_set": summary(timings.get("math-verify", [])),
        "all_suites": summary([t for v in timings.values() for t in v]),
        "per_suite": {k: summary(v) for k, v in timings.items()},
        "machine": {
            "cpu": cpu_model(),
            "logical_cpus": os.cpu_count(),
            "os": platform.platform(),
            "load_average_1_5_15_min_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
        "python": platform.python_version(),
        "sympy": sympy.__version__,
        "antlr4-python3-runtime": version("antlr4-python3-runtime"),
        "math-verify": {"repo": "huggingface/Math-Verify", "commit": commit(Path(math_verify.__file__).resolve().parent)},
        "latex2sympy2_extended": {"repo": "huggingface/latex2sympy2_extended", "commit": commit(Path(l2s.__file__).resolve().parent)},
    }
    (args.cases / "math-verify.timing.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report["mixed_set"]), file=sys.stderr)


if __name__ == "__main__":
    main()
