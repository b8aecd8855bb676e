#!/usr/bin/env python3
"""
Turn other graders' own test suites into our peer case files (packages/verifiers/cases/peers/*.jsonl).

Only facts are taken from a peer: each (gold, prediction) pair, the verdict its test expects, and the
non-default arguments its test passes. Neither its code nor its comments are copied; the peer's
checkout is read from the path given on the command line and is never vendored.

  python3 tools/peers/convert.py math-verify  PATH_TO_MATH_VERIFY  > packages/verifiers/cases/peers/math-verify.jsonl
  python3 tools/peers/convert.py nemo-skills  PATH_TO_NEMO_SKILLS  > packages/verifiers/cases/peers/nemo-skills.jsonl
  python3 tools/peers/convert.py hendrycks    PATH_TO_HENDRYCKS_MATH > packages/verifiers/cases/peers/hendrycks.jsonl

How each suite is read:

* math-verify: every tests/<file>.py of MATH_VERIFY_FILES is imported (the checkout's root on
  sys.path, as pytest would) and each test function's `pytest.mark.parametrize` values are read from
  the imported module, so Python itself evaluates every literal (raw strings, f-strings, escapes). The
  function's body is read with `ast` to know how the values are used: which parameter is the gold and
  which the prediction in `compare_strings(gold, pred, ...)` or `verify(parse(gold), parse(pred))`,
  which keyword arguments it passes, and which parameter is the expected verdict. An `assert
  compare_strings(<literal>, <literal>, ...) == <literal>` in a non-parametrised test is one case too.
  Anything else in a test body (e.g. direct `sympy_expr_eq` calls) is skipped and counted on stderr.
  The line of each case is the line of its tuple in the parametrize list. Non-default options are
  found by comparing against the signature defaults of the peer's own `compare_strings`.
  Category: the test function's name (test_all.py, which has many) or the file's name (the others,
  which have one test function each), without `test_`, in kebab-case.
* nemo-skills: tests/test_math_equal.py is imported with a stand-in for `nemo_skills.evaluation.
  math_grader` (so the package's own dependencies are not needed); its tests call
  `math_equal(a, b)` and `math_equal(b, a)` and assert the same verdict both ways, so each pair gives
  two cases (gold a / prediction b, then gold b / prediction a). `math_equal` calls `str()` on both
  sides, so non-string values are written as `str()` gives them; a prediction of `None` (which
  `math_equal` rejects before reading anything) becomes an empty response.
* hendrycks: modeling/math_equivalence_test.py is a unittest file of methods that each assign
  `test_in` and `test_out` string literals and assert `is_equiv(test_in, test_out)` true or false.
  `is_equiv` normalises both strings the same way and compares them, so the order does not change its
  verdict; we take `test_in` as the gold and `test_out` as the prediction.

Output: one JSON object per line, in source order, keys in a fixed order, ASCII-safe (ensure_ascii
off, so non-ASCII characters appear as themselves).
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import re
import sys
import types
from pathlib import Path

MATH_VERIFY_FILES = [
    "test_all.py",
    "test_numina_cases.py",
    "test_open_thoughts.py",
    "test_yujianll.py",
    "test_boxed.py",
    "test_strict.py",
]
SHORT = {
    "test_all.py": "all",
    "test_numina_cases.py": "numina",
    "test_open_thoughts.py": "open-thoughts",
    "test_yujianll.py": "yujianll",
    "test_boxed.py": "boxed",
    "test_strict.py": "strict",
}


def kebab(name: str) -> str:
    name = re.sub(r"^test_", "", name)
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def emit(case: dict) -> None:
    sys.stdout.write(json.dumps(case, ensure_ascii=False) + "\n")


def as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise SystemExit(f"expected verdict is not 0/1/bool: {value!r}")


# --------------------------------------------------------------------------------------------------
# math-verify


def param_rows(decorator: ast.expr) -> tuple[list[str], list[ast.expr]] | None:
    """The argnames and the element nodes of a `pytest.mark.parametrize(names, [ ... ])` decorator."""
    if not (isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.parametrize"):
        return None
    names_node, values_node = decorator.args[0], decorator.args[1]
    names = ast.literal_eval(names_node)
    names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    if not isinstance(values_node, (ast.List, ast.Tuple)):
        raise SystemExit(f"line {decorator.lineno}: parametrize values are not a literal list")
    return names, list(values_node.elts)


def call_shape(node: ast.expr):
    """(kind, gold_node, pred_node, keywords) of the checked call, or None when it is not one we know."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "int" and len(node.args) == 1:
        node = node.args[0]
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return None
    if node.func.id == "compare_strings" and len(node.args) == 2:
        return "compare_strings", node.args[0], node.args[1], node.keywords
    if node.func.id == "verify" and len(node.args) == 2 and not node.keywords:
        g, p = node.args
        if all(isinstance(x, ast.Call) and ast.unparse(x.func) == "parse" and len(x.args) == 1 and not x.keywords for x in (g, p)):
            return "parse-verify", g.args[0], p.args[0], []
    return None


def checked_asserts(fn: ast.FunctionDef):
    """Every `assert <call> == <expected>` in a test body whose call we know."""
    found, skipped = [], 0
    for node in ast.walk(fn):
        if not isinstance(node, ast.Assert):
            continue
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            shape = call_shape(test.left)
            if shape:
                found.append((node.lineno, shape, test.comparators[0]))
                continue
        skipped += 1
    return found, skipped


def value_of(node: ast.expr, binding: dict):
    if isinstance(node, ast.Name):
        if node.id not in binding:
            raise SystemExit(f"line {node.lineno}: {node.id} is not a parameter")
        return binding[node.id]
    return ast.literal_eval(node)


def convert_math_verify(root: Path) -> None:
    tests = root / "tests"
    sys.path[:0] = [str(root)]
    compare_strings = importlib.import_module("tests.test_all").compare_strings
    defaults = {k: p.default for k, p in inspect.signature(compare_strings).parameters.items() if p.default is not inspect.Parameter.empty}
    total_skipped = 0
    for file in MATH_VERIFY_FILES:
        path = tests / file
        module = importlib.import_module(f"tests.{path.stem}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        serial = 0
        for fn in functions:
            category = kebab(fn.name) if file == "test_all.py" else kebab(path.stem)
            asserts, skipped = checked_asserts(fn)
            total_skipped += skipped
            rows = None
            for d in fn.decorator_list:
                rows = param_rows(d) or rows
            if rows is None:
                # a plain test: only asserts whose arguments are all literals
                for line, (kind, g, p, kws), expected in asserts:
                    serial += 1
                    options = {kw.arg: ast.literal_eval(kw.value) for kw in kws}
                    emit_mv(file, line, category, serial, kind, ast.literal_eval(g), ast.literal_eval(p), ast.literal_eval(expected), options, defaults)
                continue
            names, elements = rows
            marks = [m for m in getattr(getattr(module, fn.name), "pytestmark", []) if m.name == "parametrize"]
            if len(marks) != 1:
                raise SystemExit(f"{file}:{fn.name}: expected one parametrize mark, found {len(marks)}")
            values = list(marks[0].args[1])
            if len(values) != len(elements):
                raise SystemExit(f"{file}:{fn.name}: {len(values)} parametrize values but {len(elements)} list elements")
            if len(asserts) != 1:
                raise SystemExit(f"{file}:{fn.name}: expected one checked assert, found {len(asserts)}")
            _, (kind, g, p, kws), expected_node = asserts[0]
            for element, row in zip(elements, values):
                row = getattr(row, "values", row)  # pytest.param(...)
                binding = dict(zip(names, row if len(names) > 1 else (row,)))
                options = {kw.arg: value_of(kw.value, binding) for kw in kws}
                serial += 1
                emit_mv(file, element.lineno, category, serial, kind, value_of(g, binding), value_of(p, binding), value_of(expected_node, binding), options, defaults)
    print(f"math-verify: {total_skipped} assert(s) not of a gold/prediction shape skipped", file=sys.stderr)


def emit_mv(file, line, category, serial, kind, gold, pred, expected, options, defaults):
    if not isinstance(gold, str) or not isinstance(pred, str):
        raise SystemExit(f"{file}:{line}: gold/prediction are not strings")
    if kind == "parse-verify":
        opts = {"harness": "parse-verify"}
    else:
        opts = {k: v for k, v in options.items() if defaults.get(k, object()) != v}
    emit({
        "id": f"math-verify-{SHORT[file]}-{serial:03d}",
        "suite": "math-verify",
        "source": f"tests/{file}:{line}",
        "category": category,
        "reference": gold,
        "response": pred,
        "expected": as_bool(expected),
        "options": opts,
    })


# --------------------------------------------------------------------------------------------------
# NeMo-Skills


def convert_nemo_skills(root: Path) -> None:
    # a stand-in for the grader, so that importing the test module needs none of nemo_skills' deps
    for name in ("nemo_skills", "nemo_skills.evaluation"):
        sys.modules.setdefault(name, types.ModuleType(name))
    grader = types.ModuleType("nemo_skills.evaluation.math_grader")
    grader.math_equal = lambda *a, **k: None
    sys.modules["nemo_skills.evaluation.math_grader"] = grader
    rel = "tests/test_math_equal.py"
    path = root / rel
    spec = importlib.util.spec_from_file_location("peer_nemo_test_math_equal", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    verdicts = {"test_correct_examples": True, "test_incorrect_examples": False}
    serial = 0
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in verdicts):
        body = ast.unparse(fn)
        expected = verdicts[fn.name]
        # the body we read: math_equal both ways, each asserted `is True` / `is False`
        want = "is True" if expected else "is False"
        if body.count("math_equal(output_pair[0], output_pair[1])") != 1 or body.count("math_equal(output_pair[1], output_pair[0])") != 1 or body.count(want) != 2:
            raise SystemExit(f"{rel}:{fn.name}: test body is not the one this converter reads")
        rows = next(r for r in map(param_rows, fn.decorator_list) if r)
        values = list(next(m for m in getattr(module, fn.name).pytestmark if m.name == "parametrize").args[1])
        if len(values) != len(rows[1]):
            raise SystemExit(f"{rel}:{fn.name}: values and elements differ in number")
        for element, pair in zip(rows[1], values):
            for order, (gold, pred) in (("ab", pair), ("ba", pair[::-1])):
                serial += 1
                case = {
                    "id": f"nemo-skills-{serial:03d}",
                    "suite": "nemo-skills",
                    "source": f"{rel}:{element.lineno}",
                    "category": kebab(fn.name),
                    "reference": str(gold),
                    "response": "" if pred is None else str(pred),
                    "expected": expected,
                    "options": {"order": order},
                }
                notes = []
                if not isinstance(gold, str) or (pred is not None and not isinstance(pred, str)):
                    notes.append("non-string value written as Python str() gives it (math_equal calls str() on both sides)")
                if pred is None:
                    notes.append("prediction None (rejected by math_equal before any reading) written as an empty response")
                    case["prediction_is_none"] = True
                if notes:
                    case["conversion"] = "; ".join(notes)
                emit(case)


# --------------------------------------------------------------------------------------------------
# Hendrycks MATH


def convert_hendrycks(root: Path) -> None:
    rel = "modeling/math_equivalence_test.py"
    tree = ast.parse((root / rel).read_text(encoding="utf-8"))
    serial = 0
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")):
            assigned = {}
            verdict = None
            for stmt in fn.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    assigned[stmt.targets[0].id] = (ast.literal_eval(stmt.value), stmt.lineno)
                elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                    call = ast.unparse(stmt.value)
                    m = re.fullmatch(r"self\.assert(True|False)\(is_equiv\(test_in, test_out\)\)", call)
                    if not m:
                        raise SystemExit(f"{rel}:{stmt.lineno}: unexpected statement {call}")
                    verdict = m.group(1) == "True"
            if verdict is None or set(assigned) != {"test_in", "test_out"}:
                raise SystemExit(f"{rel}:{fn.name}: not a test_in/test_out/is_equiv test")
            serial += 1
            emit({
                "id": f"hendrycks-{serial:03d}",
                "suite": "hendrycks",
                "source": f"{rel}:{fn.lineno}",
                "category": kebab(fn.name),
                "reference": assigned["test_in"][0],
                "response": assigned["test_out"][0],
                "expected": verdict,
                "options": {},
            })


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("math-verify", "nemo-skills", "hendrycks"):
        raise SystemExit(__doc__)
    root = Path(sys.argv[2]).resolve()
    {"math-verify": convert_math_verify, "nemo-skills": convert_nemo_skills, "hendrycks": convert_hendrycks}[sys.argv[1]](root)


if __name__ == "__main__":
    main()
