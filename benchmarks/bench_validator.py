"""Cost of the schema check per record: the full JSON Schema validator against the old one.

The runner checks every record against its stream's schema before mapping it
(``compile_validator(schema).split(records)``). The validator checks all of JSON Schema,
formats included, with jsonschema-rs; the one before it checked top-level types and
``required`` only, by precomputed ``(field, allowed Python types)`` pairs. A copy of that
old logic is kept in this script (``OldValidator``), so both are measured in the same run.

Target (a ratio of medians, both measured in this run): the full check costs <= 2 x the
top-level check on valid records, while it checks every keyword at every depth.

The data is 100,000 order-like records (``--records`` or ``BENCH_VALIDATOR_RECORDS``),
generated deterministically: id, customer_id, email (format email), status (an enum),
total (a number >= 0), currency (a 3-letter pattern), created_at and updated_at (format
date-time), shipping (an object with a required country), items (1 to 4 objects with
sku, quantity >= 1 and unit_price). Two sets: all valid, and 1% invalid (one broken field
each: a wrong type at the top level, a status not in the enum, a bad date-time, or an
item quantity of 0; the old validator sees only the first kind). Each round times
``split`` over a whole set, for every subject, interleaved; ``--runs`` (``BENCH_RUNS``,
default 7) rounds after ``--warmup`` (``BENCH_WARMUP``, default 1). For context it also
times jsonschema-rs's bare ``is_valid`` loop (the floor) and the ``jsonschema`` package's
``Draft202012Validator.is_valid`` with a format checker, on the first 2,000 records.

Run it with ``nox -s bench -- bench_validator`` (or ``python benchmarks/bench_validator.py``
where hookline is installed). Results go to ``benchmarks/results/validator.json``. The exit
code is 0 unless a validator gave a wrong answer (a valid record rejected, or an invalid
one the full check let through); the target is printed as PASS or MISS.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

import jsonschema
import jsonschema_rs
from _common import int_setting, machine, source_revision, write_results

from hookline.mapping import compile_validator
from hookline.mapping._schema import types_of

TARGET = 2.0
INVALID_SHARE = 0.01
SEED = 42
REFERENCE_RECORDS = 2_000

ORDER_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "customer_id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "status": {"type": "string", "enum": ["placed", "paid", "shipped", "delivered"]},
        "total": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "note": {"type": ["string", "null"]},
        "shipping": {
            "type": "object",
            "properties": {"country": {"type": "string"}, "city": {"type": "string"}},
            "required": ["country"],
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string"},
                    "quantity": {"type": "integer", "minimum": 1},
                    "unit_price": {"type": "number"},
                },
                "required": ["sku", "quantity", "unit_price"],
            },
        },
    },
    "required": ["id", "customer_id", "email", "status", "total", "created_at", "items"],
}

_STATUSES = ("placed", "paid", "shipped", "delivered")
_COUNTRIES = ("NL", "BE", "DE", "FR")


def orders(count: int, invalid_share: float, seed: int = SEED) -> tuple[list[dict[str, Any]], int]:
    """Return ``count`` order records, the same for the same arguments, and how many of them
    the old top-level validator can tell are invalid."""
    rng = random.Random(seed)
    every = round(1 / invalid_share) if invalid_share else 0
    records: list[dict[str, Any]] = []
    top_level_detectable = 0
    for number in range(1, count + 1):
        items = [
            {
                "sku": f"SKU-{rng.randrange(1, 500)}",
                "quantity": rng.randint(1, 5),
                "unit_price": rng.randrange(199, 25000) / 100,
            }
            for _ in range(rng.randint(1, 4))
        ]
        second = 1_704_096_000 + number * 37
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
        record: dict[str, Any] = {
            "id": number,
            "customer_id": rng.randrange(1, 200),
            "email": f"customer{rng.randrange(1, 200)}@shop.test",
            "status": rng.choice(_STATUSES),
            "total": round(sum(i["quantity"] * i["unit_price"] for i in items), 2),
            "currency": "EUR",
            "created_at": stamp,
            "updated_at": stamp,
            "note": None if number % 3 else "leave at the door",
            "shipping": {"country": rng.choice(_COUNTRIES), "city": "Gent"},
            "items": items,
        }
        if every and number % every == 0:
            kind = (number // every) % 4
            if kind == 0:
                record["total"] = str(record["total"])  # a wrong type at the top level
                top_level_detectable += 1
            elif kind == 1:
                record["status"] = "lost"
            elif kind == 2:
                record["created_at"] = "31/01/2024 10:00"
            else:
                record["items"][0]["quantity"] = 0
        records.append(record)
    return records, top_level_detectable


# -- The old validator: top-level types and required only (kept here, not in the product) --

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "object": (dict,),
    "array": (list, tuple),
}


class _Missing:
    """The type of the marker for a field a record does not have."""


_MISSING = _Missing()


class _AnyPresent(frozenset[type]):
    """Allowed types of a field that must be present but may hold anything."""

    def __contains__(self, item: object) -> bool:
        return item is not _Missing


_ANY_PRESENT: frozenset[type] = _AnyPresent()


class OldValidator:
    """The schema check as it was: per listed property, its JSON type and presence."""

    def __init__(self, schema: dict[str, Any]) -> None:
        properties = schema.get("properties") or {}
        required = set(schema.get("required", ()))
        checks: list[tuple[str, frozenset[type]]] = []
        self._integral: set[str] = set()
        for name, sub in properties.items():
            types = types_of(sub)
            if types is None or not types <= set(_PYTHON_TYPES):
                if name in required:
                    checks.append((name, _ANY_PRESENT))
                continue
            allowed = {t for type_name in types for t in _PYTHON_TYPES[type_name]}
            if name not in required:
                allowed.add(_Missing)
            checks.append((name, frozenset(allowed)))
            if "integer" in types and "number" not in types:
                self._integral.add(name)
        for name in sorted(required - set(properties)):
            checks.append((name, _ANY_PRESENT))
        self._checks = tuple(checks)

    def _valid(self, record: dict[str, Any]) -> bool:
        for name, allowed in self._checks:
            value = record.get(name, _MISSING)
            kind = type(value)
            if kind in allowed:
                continue
            if kind is float and name in self._integral and value.is_integer():
                continue
            return False
        return True

    def split(self, records: list[Any]) -> tuple[list[Any], list[Any]]:
        """The valid records and the others (reasons are not measured: they are rare)."""
        checks = self._checks
        good: list[Any] = []
        rejected: list[Any] = []
        for record in records:
            try:
                get = record.get
            except AttributeError:
                rejected.append(record)
                continue
            for name, allowed in checks:
                if type(get(name, _MISSING)) not in allowed:
                    (good if self._valid(record) else rejected).append(record)
                    break
            else:
                good.append(record)
        return good, rejected


# -- Measuring ---------------------------------------------------------------------------

Subject = Callable[[list[dict[str, Any]]], int]


def subjects() -> dict[str, Subject]:
    """What is timed: each takes the records and returns how many it rejected."""
    new = compile_validator(ORDER_SCHEMA)
    old = OldValidator(ORDER_SCHEMA)
    floor = jsonschema_rs.validator_for(ORDER_SCHEMA, validate_formats=True)

    def full(records: list[dict[str, Any]]) -> int:
        return len(new.split(records)[1])

    def top_level(records: list[dict[str, Any]]) -> int:
        return len(old.split(records)[1])

    def bare(records: list[dict[str, Any]]) -> int:
        is_valid = floor.is_valid
        return sum(1 for record in records if not is_valid(record))

    return {
        "full JSON Schema (compile_validator)": full,
        "top-level types (the old validator)": top_level,
        "jsonschema-rs is_valid loop (floor)": bare,
    }


def measure(
    functions: dict[str, Subject], records: list[dict[str, Any]], runs: int, warmup: int
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Time each function over ``records`` round-robin; return seconds and rejections."""
    samples: dict[str, list[float]] = {label: [] for label in functions}
    rejected: dict[str, int] = {}
    for round_no in range(warmup + runs):
        for label, function in functions.items():
            start = time.perf_counter()
            rejected[label] = function(records)
            elapsed = time.perf_counter() - start
            if round_no >= warmup:
                samples[label].append(elapsed)
    return samples, rejected


def reference_seconds(records: list[dict[str, Any]]) -> float:
    """Seconds per record of the ``jsonschema`` package (with formats), for context."""
    validator = jsonschema.Draft202012Validator(
        ORDER_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    start = time.perf_counter()
    for record in records:
        validator.is_valid(record)
    return (time.perf_counter() - start) / len(records)


def micro(seconds: float, count: int) -> float:
    """Seconds for ``count`` records as microseconds per record."""
    return round(seconds / count * 1e6, 3)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write ``benchmarks/results/validator.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", type=int, default=int_setting("BENCH_VALIDATOR_RECORDS", 100_000)
    )
    parser.add_argument("--runs", type=int, default=int_setting("BENCH_RUNS", 7))
    parser.add_argument("--warmup", type=int, default=int_setting("BENCH_WARMUP", 1))
    args = parser.parse_args(argv)
    count: int = args.records
    functions = subjects()
    full_label, old_label, floor_label = functions
    problems: list[str] = []
    results: dict[str, Any] = {}
    for name, share in (("valid", 0.0), ("1% invalid", INVALID_SHARE)):
        records, detectable = orders(count, share)
        invalid = round(count * share)
        samples, rejected = measure(functions, records, args.runs, args.warmup)
        for label, expected in ((full_label, invalid), (floor_label, invalid)):
            if rejected[label] != expected:
                problems.append(f"{name}: {label} rejected {rejected[label]}, not {expected}")
        if rejected[old_label] != detectable:
            problems.append(f"{name}: {old_label} rejected {rejected[old_label]}, not {detectable}")
        results[name] = {
            "records": count,
            "invalid": invalid,
            "subjects": {
                label: {
                    "rejected": rejected[label],
                    "median_us_per_record": micro(statistics.median(times), count),
                    "best_us_per_record": micro(min(times), count),
                    "samples_s": [round(t, 4) for t in times],
                }
                for label, times in samples.items()
            },
        }
        row = results[name]["subjects"]
        ratio = row[full_label]["median_us_per_record"] / row[old_label]["median_us_per_record"]
        results[name]["ratio_full_to_old"] = round(ratio, 2)
        print(f"\n{name}: {count:,} records, {invalid:,} invalid")
        for label, figures in row.items():
            print(
                f"  {label:40} median {figures['median_us_per_record']:6.3f} us/record, "
                f"best {figures['best_us_per_record']:6.3f}, rejected {figures['rejected']:,}"
            )
        print(f"  full / old: {ratio:.2f} x")
    sample, _ = orders(REFERENCE_RECORDS, INVALID_SHARE)
    python_us = round(reference_seconds(sample) * 1e6, 2)
    print(f"\nreference: jsonschema Draft202012Validator.is_valid, {python_us} us/record")
    ratio_valid = results["valid"]["ratio_full_to_old"]
    verdict = "PASS" if ratio_valid <= TARGET else "MISS"
    print(f"{verdict}: full check on valid records {ratio_valid:.2f} x the old one (<= {TARGET})")
    for problem in problems:
        print(f"WRONG ANSWER: {problem}")
    path = write_results(
        "validator",
        {
            "benchmark": "validator",
            "records": count,
            "runs": args.runs,
            "warmup": args.warmup,
            "machine": machine(),
            "versions": {
                "hookline": metadata.version("hookline"),
                "jsonschema-rs": metadata.version("jsonschema-rs"),
                "jsonschema": metadata.version("jsonschema"),
            },
            "source": source_revision("sdk/src/hookline/mapping", "benchmarks/bench_validator.py"),
            "schema": ORDER_SCHEMA,
            "results": results,
            "reference_jsonschema_us_per_record": python_us,
            "target": {"ratio_full_to_old_valid": TARGET, "verdict": verdict},
            "problems": problems,
        },
    )
    print(f"results: {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
