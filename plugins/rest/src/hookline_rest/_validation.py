"""Planning checks: the streams of a run that this configuration cannot serve.

:func:`validate_streams` backs the ``hookline_validate_streams`` hook. It looks only at
the configuration and the planned streams (no request is sent), so a run can refuse a
mistake with exit code 2 before any record is read:

* as a destination, a stream with no ``writes`` entry (``$.writes``), and a ``{field}`` in
  ``writes.<stream>.path`` or ``writes.<stream>.idempotency_key`` that the stream's schema
  does not list among its ``properties`` (when it lists any);
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
