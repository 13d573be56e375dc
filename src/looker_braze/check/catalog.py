"""Check a Look for the catalog action (``check --look FILE --action braze_catalog``) with the
hub's own row source, item mapper (ItemMapper: tags, item id and value rules) and duplicate
memory, so what the check says is what a send would do. The catalog's own fields are not read
(that needs the workspace's key): a send checks them first and names a missing one."""

from __future__ import annotations

from collections import Counter
from typing import IO

from looker_braze.actions.braze.catalog.mapping import CATALOG_TYPES, ItemMapper
from looker_braze.actions.braze.catalog.options import CatalogOptions
from looker_braze.actions.braze.catalog.tags import ID_TAG
from looker_braze.actions.braze.pipeline import first_seen
from looker_braze.actions.braze.values import value_kind
from looker_braze.actions.seen import SeenIds
from looker_braze.braze.instances import Endpoint
from looker_braze.check.findings import Finding, passed, problem, warning
from looker_braze.check.look import open_look
from looker_braze.errors import FailRun, RejectRow
from looker_braze.hub.document import RowStream


class _Tally:
    """What check_rows counts, under the names first_seen() counts with."""

    def __init__(self) -> None:
        self.read = self.duplicates = 0
        self.invalid: Counter = Counter()

    def count(self, name: str, amount: int = 1) -> None:
        setattr(self, name, getattr(self, name) + amount)

    def count_invalid(self, reason: str) -> None:
        self.invalid[reason] += 1


async def catalog_look_findings(file: IO[bytes]) -> list[Finding]:
    stream, problems = await open_look(file)
    if stream is None:
        return problems
    zone = stream.document.time_zone or "UTC"
    options = CatalogOptions(
        Endpoint("https://check.invalid", "check"), "", "check", time_zone=zone
    )
    try:
        mapper = ItemMapper(stream.fields, options)
    except FailRun as exc:
        return [problem("look.fields", str(exc))]
    findings = [
        passed("look.ids", f"{mapper.id_field} holds the item ids (tagged '{ID_TAG}')."),
        _fields_finding(mapper),
    ]
    if mapper.ignored_tags:
        ignored = "; ".join(mapper.ignored_tags[:5])
        findings.append(warning("look.tags", f"Malformed tags, ignored: {ignored}."))
    return findings + await _row_findings(stream, mapper)


def _fields_finding(mapper: ItemMapper) -> Finding:
    if not mapper.columns:
        return warning("look.fields", "No braze_catalog[<field>] tags: items hold only their id.")
    typed = ", ".join(f"{c.name} ({CATALOG_TYPES[value_kind(c.field)]})" for c in mapper.columns)
    return passed(
        "look.fields",
        f"Item fields: {typed}. Each must exist in the catalog (a send checks, and a catalog it "
        "creates gets these types).",
    )


async def _row_findings(stream: RowStream, mapper: ItemMapper) -> list[Finding]:
    tally, findings = _Tally(), []
    with SeenIds() as seen:
        try:
            async for rows in stream.batches(mapper.select):
                tally.count("read", len(rows))
                for row, item_id in first_seen(rows, mapper.item_id, seen, tally):
                    try:
                        mapper.item(row, item_id)
                    except RejectRow as exc:
                        tally.count_invalid(exc.reason)
        except FailRun as exc:
            findings.append(
                problem("look.read", f"Reading stopped after {tally.read:,} rows: {exc}")
            )
    invalid = sum(tally.invalid.values())
    reasons = ", ".join(f"{reason}: {count:,}" for reason, count in tally.invalid.most_common(3))
    summary = f"{tally.read:,} rows, {tally.read - invalid - tally.duplicates:,} items to send"
    if tally.duplicates:
        findings.append(
            warning(
                "look.ids", f"{tally.duplicates:,} rows repeat an item id: only the first is sent."
            )
        )
    if invalid:
        findings.append(problem("look.rows", f"{summary}; {invalid:,} rows refused ({reasons})."))
    else:
        findings.append(passed("look.rows", f"{summary}."))
    return findings
