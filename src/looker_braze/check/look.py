"""Check a Look's json_detail as the hub would read it: the hub's row source (``open_stream``),
the hub's mapper (``RowMapper``) and the hub's duplicate memory (``SeenIds``), so what the check
says is what a send would do. The file is streamed: memory does not grow with its rows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import IO

from looker_braze.actions.braze.definition import DEFAULT_ALIAS_LABEL, DEFAULT_LABEL
from looker_braze.actions.braze.mapping import RowMapper
from looker_braze.actions.braze.options import RunOptions
from looker_braze.braze.instances import Endpoint
from looker_braze.check.fields import analyse_tags, tag_findings, usable_fields
from looker_braze.check.findings import Finding, passed, problem, shown, warning
from looker_braze.check.tally import Example, RowTally
from looker_braze.errors import FailRun
from looker_braze.hub.document import Fields, RowStream
from looker_braze.hub.jsondetail import READ_SIZE, open_stream
from looker_braze.hub.readers import FileReader, ReplayReader

EMPTY_ID = "empty identifier"
JSON_DETAIL_HINT = (
    "The file is empty: save the Look's results as json_detail (Looker API: "
    "GET /api/4.0/looks/<id>/run/json_detail)."
)  # the hub's RejectRow reason for a null or blank identifier


def check_options(key_kind: str, array_attribute: str) -> RunOptions:
    """The send settings the mapper needs; the endpoint and key play no part in mapping."""
    return RunOptions(
        endpoint=Endpoint("https://check.invalid", "check"),
        api_key="",
        key_kind=key_kind,
        label=DEFAULT_LABEL,
        array_attribute=array_attribute,
        alias_label=DEFAULT_ALIAS_LABEL,
        update_existing_only=True,
        dry_run=True,
    )


async def open_look(file: IO[bytes]) -> tuple[RowStream | None, list[Finding]]:
    """The Look's row stream as the hub opens it, or None and the problem why not."""
    first = file.read(READ_SIZE)
    if not first:
        return None, [problem("look.read", JSON_DETAIL_HINT)]
    try:
        return await open_stream(ReplayReader([first], FileReader(file))), []
    except FailRun as exc:
        return None, [problem("look.read", str(exc))]


async def look_findings(file: IO[bytes], options: RunOptions) -> list[Finding]:
    stream, problems = await open_look(file)
    if stream is None:
        return problems
    if stream.document.time_zone:  # its date-times are in that zone, as a send reads them
        options = replace(options, time_zone=stream.document.time_zone)
    findings, mapper = field_findings(stream.fields, options)
    tally = RowTally(mapper)
    try:
        async for rows in stream.batches(tally.select):
            tally.add(rows)
    except FailRun as exc:
        findings.append(problem("look.read", f"Reading stopped after row {tally.rows:,}: {exc}"))
    return findings + row_findings(tally, options.key_kind)


def field_findings(fields: Fields, options: RunOptions) -> tuple[list[Finding], RowMapper | None]:
    """What the fields say, and the hub's mapper for checking the rows (None without an id)."""
    analysis = analyse_tags(fields, options.key_kind, options.array_attribute)
    findings = [_pivot_finding(fields, options)]
    findings += tag_findings(analysis, "look", options.key_kind)
    if not analysis.blocking and not fields.is_pivoted:
        try:  # the hub's own verdict on the same fields, should the two rule sets ever differ
            RowMapper(fields, options)
        except FailRun as exc:
            findings.append(problem("look.fields", str(exc)))
    if not analysis.id_fields:
        return findings, None
    try:
        return findings, RowMapper(usable_fields(fields, analysis), options)
    except FailRun as exc:  # only if the check's rules miss one of the hub's
        return [*findings, problem("look.fields", str(exc))], None


def _pivot_finding(fields: Fields, options: RunOptions) -> Finding:
    if not fields.is_pivoted:
        return passed("look.pivot", "The Look is not pivoted: one row per user, as the hub needs.")
    try:
        RowMapper(fields, options)
    except FailRun as exc:  # the pivot is the first thing the mapper refuses: its own words
        return problem("look.pivot", str(exc))
    return passed("look.pivot", "The Look is pivoted, and the hub reads it as it is.")


# ---------------------------------------------------------------- rows


def _rows(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def _at(example: Example, with_value: bool = True) -> str:
    value = f": {shown(example.value)}" if with_value else ""
    return f"first at row {example.row:,}{value}"


def row_findings(tally: RowTally, key_kind: str) -> list[Finding]:
    if tally.mapper is None:
        return [
            warning(
                "look.rows",
                f"{_rows(tally.rows)} read; identifiers and values were not checked: tag the "
                "identifier field first.",
            )
        ]
    findings = [_summary(tally)]
    findings += _identifier_findings(tally, key_kind)
    findings += _duplicate_findings(tally)
    findings += _value_findings(tally)
    return findings


def _summary(tally: RowTally) -> Finding:
    if not tally.rows:
        return warning("look.rows", "The Look has no rows: a send would flag nobody.")
    return passed(
        "look.rows",
        f"{_rows(tally.rows)} read: {tally.users:,} users with a usable identifier; a send costs "
        f"about {tally.data_points:,} data points.",
    )


def _identifier_findings(tally: RowTally, key_kind: str) -> list[Finding]:
    assert tally.mapper is not None
    id_field, findings = tally.mapper.id_field, []
    for reason, count in tally.invalid_ids.most_common():
        example = tally.invalid_id_examples[reason]
        if reason == EMPTY_ID:
            findings.append(
                problem(
                    "look.empty_ids",
                    f"{_rows(count)} have no identifier in {id_field} (null or blank; "
                    f"{_at(example, False)}): the hub skips them. Filter them out in the Look "
                    f"({id_field} is not null).",
                )
            )
            continue
        findings.append(
            problem(
                "look.invalid_ids",
                f"{_rows(count)} have an identifier the hub cannot use as {key_kind}: {reason} "
                f"({_at(example)}): the hub skips them. Fix these values, or the Unique Key if "
                f"{id_field} does not hold {key_kind}s.",
            )
        )
    return findings + _shape_findings(tally, key_kind)


def _shape_findings(tally: RowTally, key_kind: str) -> list[Finding]:
    """An external id that is an email address usually means the wrong Unique Key was chosen."""
    sampled = sum(tally.id_shapes.values())
    if key_kind not in ("external_id", "user_alias") or not sampled:
        return []
    shape, count = max(tally.id_shapes.items(), key=lambda item: item[1])
    if shape == "other" or count < 0.9 * sampled:
        return []
    assert tally.mapper is not None
    return [
        warning(
            "look.identifier",
            f"The identifiers in {tally.mapper.id_field} look like {shape}s ({count:,} of "
            f"{sampled:,} looked at), but the Unique Key is {key_kind}: Braze would find or "
            f"create users by {key_kind}. If the field holds {shape}s, choose Unique Key {shape} "
            f"(--key-kind {shape}).",
        )
    ]


def _duplicate_findings(tally: RowTally) -> list[Finding]:
    if not tally.duplicates:
        return []
    assert tally.first_duplicate is not None
    return [
        problem(
            "look.duplicates",
            f"{_rows(tally.duplicates)} repeat the identifier of an earlier row "
            f"({_at(tally.first_duplicate)}): the hub sends the first row of each user only. "
            "Give the Look one row per user (leave out fields that split a user into rows).",
        )
    ]


def _value_findings(tally: RowTally) -> list[Finding]:
    assert tally.mapper is not None
    field_of = {c.attribute: c.field for c in tally.mapper.columns}
    findings = []
    for attribute, count in tally.dropped.most_common():
        example = tally.dropped_examples[attribute]
        findings.append(
            problem(
                "look.values",
                f"braze[{attribute}] on {field_of[attribute]}: {count:,} invalid "
                f"value{'' if count == 1 else 's'} ({example.reason}; {_at(example)}): the hub "
                "leaves them out. Fix them in the data or the LookML.",
            )
        )
    for attribute, count in tally.truncated.most_common():
        example = tally.truncated_examples[attribute]
        findings.append(
            warning(
                "look.values",
                f"braze[{attribute}] on {field_of[attribute]}: {count:,} value"
                f"{'' if count == 1 else 's'} longer than 255 characters ({_at(example, False)}): "
                "Braze keeps the first 255 only.",
            )
        )
    return findings
