"""Planning checks: the streams of a run that this configuration cannot serve.

:func:`validate_streams` backs the ``hookline_validate_streams`` hook. It looks only at
the configuration and the planned streams (no request is sent), so a run can refuse a
mistake with exit code 2 before any record is read:

* as a destination, a stream with no ``writes`` entry (``$.writes``), a ``{field}`` in
  ``writes.<stream>.path`` or ``writes.<stream>.idempotency_key`` that the stream's schema
  does not list among its ``properties`` (when it lists any), and a method the pipeline's
  write mode cannot keep its promise with (:func:`_write_mode_problems`);
* as a source, a stream not configured under ``streams`` (``$.streams``).
"""

from __future__ import annotations

__all__ = ["validate_streams"]

from collections.abc import Sequence
from typing import Any

from hookline.models import ConfiguredStream, SettingProblem
from hookline_rest.config import RestConfig, WriteConfig, template_fields

# How many names a message lists before it says how many more there are.
_LISTED = 12


def _names(names: Sequence[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:_LISTED])
    more = len(names) - _LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _properties(schema: Any) -> list[str] | None:
    """The property names a stream's schema lists, or ``None`` when it lists none."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or not properties:
        return None
    return list(properties)


def _template_problems(name: str, spec: WriteConfig, properties: list[str]) -> list[SettingProblem]:
    problems = []
    # Fields every template may use whatever the record holds.
    given = {"stream"} | ({"count"} if spec.mode == "batch" else set())
    for setting in ("path", "idempotency_key"):
        template = getattr(spec, setting)
        if template is None:
            continue
        unknown = [f for f in dict.fromkeys(template_fields(template)) if f not in given]
        for field in (f for f in unknown if f not in properties):
            problems.append(
                SettingProblem(
                    f"$.writes[{name!r}].{setting}",
                    f"writes.{name}.{setting} uses {{{field}}}, which is not a field of stream "
                    f"{name!r} (its fields: {_names(properties)}); use one of them, or map "
                    "the field in the pipeline",
                )
            )
    return problems


def _write_mode_problems(stream: ConfiguredStream, spec: WriteConfig) -> list[SettingProblem]:
    """Whether ``spec`` keeps the promise of the pipeline's write mode for ``stream``.

    ``append`` adds records: ``POST`` creates them, ``PUT`` stores each at its own path;
    ``PATCH`` changes records that exist, so it is refused. ``upsert`` stores a record
    again in its place: ``PUT`` or ``PATCH`` of each record to a path holding every field
    of its primary key; ``POST`` (which creates a new record each time) and batch mode are
    refused unless ``upserts: true`` says the endpoint updates by key itself. (``replace``
    is not a capability of this connector: the run refuses it before asking.)
    """
    name, where = stream.name, f"$.writes[{stream.name!r}]"
    if spec.upserts:
        return []
    if stream.write_mode == "append" and spec.method == "PATCH":
        return [
            SettingProblem(
                f"{where}.method",
                f"write: append adds records, but writes.{name}.method is PATCH, which "
                "changes records that exist; use POST (or PUT to each record's own path), "
                "or write: upsert",
            )
        ]
    if stream.write_mode != "upsert":
        return []
    key = list(stream.stream.primary_key)
    example = "/".join(["", name, *(f"{{{k}}}" for k in key or ["id"])])
    if spec.method == "POST" or spec.mode == "batch":
        sent = "each batch" if spec.mode == "batch" else "each record"
        return [
            SettingProblem(
                f"{where}.method" if spec.method == "POST" else f"{where}.mode",
                f"write: upsert must store a record again in its place, but writes.{name} "
                f"sends {sent} with {spec.method} to {spec.path}, which makes a new one each "
                f"time; PUT or PATCH each record to a path with its key ({example}), use "
                "write: append to create each record (once, with an idempotency_key), or "
                f"set writes.{name}.upserts: true if the API updates records by key itself",
            )
        ]
    in_path = set(template_fields(spec.path))
    missing = [k for k in key if k not in in_path]
    if not key or missing:
        lacking = ", ".join(missing) if key else "a primary key"
        return [
            SettingProblem(
                f"{where}.path",
                f"write: upsert stores each record at its own path, but writes.{name}.path "
                f"{spec.path} has no {{{lacking}}}; put the record's key in it ({example}), "
                f"or set writes.{name}.upserts: true if the API updates records by key itself",
            )
        ]
    return []


def validate_streams(
    config: RestConfig, streams: Sequence[ConfiguredStream], role: str
) -> list[SettingProblem]:
    """Return one problem per setting that cannot serve ``streams`` as ``role``."""
    problems: list[SettingProblem] = []
    if role == "destination":
        configured = sorted(config.writes)
        for stream in streams:
            spec = config.writes.get(stream.name)
            if spec is None:
                problems.append(
                    SettingProblem(
                        "$.writes",
                        f"no writes entry for stream {stream.name!r} (configured: "
                        f"{_names(configured)}); add writes.{stream.name} with its path",
                    )
                )
                continue
            problems += _write_mode_problems(stream, spec)
            properties = _properties(stream.stream.schema)
            if properties is not None:
                problems += _template_problems(stream.name, spec, properties)
    elif role == "source":
        offered = [s.name for s in config.streams]
        for stream in streams:
            if config.stream(stream.name) is None:
                problems.append(
                    SettingProblem(
                        "$.streams",
                        f"no stream {stream.name!r} is configured (configured streams: "
                        f"{_names(offered)}); add it to streams with its path",
                    )
                )
    return problems
