"""The Prometheus text exposition format, version 0.0.4, for the ``/metrics`` scrape.

Per family: ``# HELP name text`` (backslash and newline escaped), ``# TYPE name type``, then one line
per sample, ``name{label="value",...} value [timestamp_ms]`` (label values escape backslash, double
quote and newline). Values are written so that Python's float() reads back the same float (repr), and
NaN, +Inf, -Inf as Prometheus spells them. Families come sorted by name and each family's samples by
(name, labels), so the same data always renders to the same text.

Names are checked, since a scrape with one bad line is rejected whole by Prometheus:
- a counter family is exposed as ``<name>_total`` (``_total`` is added when missing, the OpenMetrics
  and Prometheus convention) and its samples are named ``<name>`` or ``<name>_total``; both are written
  ``<name>_total``;
- a summary family's samples are ``<name>`` (with a ``quantile`` label), ``<name>_sum`` and ``<name>_count``;
- a gauge or untyped family's samples carry the family's name.
A family or sample that breaks these rules, a bad metric or label name, a label given twice, or two
samples with the same name and labels, is a ValueError: the caller built it wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from .model import Labels, escape_label_value, valid_label_name, valid_metric_name

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FamilyType = Literal["counter", "gauge", "summary", "untyped"]
_TYPES = frozenset({"counter", "gauge", "summary", "untyped"})


@dataclass
class Sample:
    name: str
    labels: tuple[tuple[str, str], ...]
    value: float
    timestamp_ms: int | None = None


@dataclass
class Family:
    name: str
    type: FamilyType
    help: str
    samples: list[Sample]


def render(families: list[Family]) -> str:
    named = sorted(((exposed_name(family), family) for family in families), key=lambda pair: pair[0])
    lines: list[str] = []
    previous = None
    for name, family in named:
        if name == previous:
            raise ValueError(f"two families are exposed as {name}")
        previous = name
        lines.append(f"# HELP {name} {escape_help(family.help)}")
        lines.append(f"# TYPE {name} {family.type}")
        samples = sorted(
            ((_sample_name(family, name, sample), sample.labels, sample) for sample in family.samples),
            key=lambda row: (row[0], row[1]),
        )
        for i, (sample_name, labels, sample) in enumerate(samples):
            if i and samples[i - 1][:2] == (sample_name, labels):
                raise ValueError(f"family {name} has two samples {sample_name} with the labels {labels}")
            lines.append(_sample_line(sample_name, labels, sample))
    return "\n".join(lines) + "\n" if lines else ""


def exposed_name(family: Family) -> str:
    """The name in the family's HELP and TYPE lines: a counter's ends in _total."""
    if family.type not in _TYPES:
        raise ValueError(f"family {family.name!r} has the type {family.type!r}, not one of {sorted(_TYPES)}")
    if not valid_metric_name(family.name):
        raise ValueError(f"family name {family.name!r} is not a Prometheus metric name")
    if family.type == "counter" and not family.name.endswith("_total"):
        return family.name + "_total"
    return family.name


def escape_help(text: str) -> str:
    if "\\" in text or "\n" in text:
        return text.replace("\\", "\\\\").replace("\n", "\\n")
    return text


def format_value(value: float) -> str:
    number = float(value)
    if math.isfinite(number):
        return repr(number)
    if math.isnan(number):
        return "NaN"
    return "+Inf" if number > 0 else "-Inf"


def _sample_name(family: Family, name: str, sample: Sample) -> str:
    """The name the sample is written with; a ValueError when it does not belong to its family."""
    given = sample.name
    if family.type == "counter":
        if given == name or given + "_total" == name:
            return name
    elif family.type == "summary":
        has_quantile = any(label == "quantile" for label, _ in sample.labels)
        if given == name:
            if not has_quantile:
                raise ValueError(f"summary sample {given} needs a quantile label")
            return given
        if given in (name + "_sum", name + "_count"):
            if has_quantile:
                raise ValueError(f"summary sample {given} cannot have a quantile label")
            return given
    elif given == name:
        return given
    raise ValueError(f"sample {given!r} does not belong to the {family.type} family {name}")


def _sample_line(name: str, labels: Labels, sample: Sample) -> str:
    value = format_value(sample.value)
    tail = value if sample.timestamp_ms is None else f"{value} {int(sample.timestamp_ms)}"
    if not labels:
        return f"{name} {tail}"
    seen: set[str] = set()
    for label, _ in labels:
        if label in seen or not valid_label_name(label):
            raise ValueError(f"sample {name} has a bad or repeated label name {label!r}")
        seen.add(label)
    inner = ",".join(f'{label}="{escape_label_value(text)}"' for label, text in labels)
    return f"{name}{{{inner}}} {tail}"
