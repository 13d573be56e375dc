"""Check a LookML view file before any Look exists: the same tag rules as for a Look (one
``braze_id`` across the file, well-formed ``braze[...]`` tags, standard or custom attributes),
plus what only LookML shows: tagged fields that are hidden or are measures, and dimension groups
whose tags every timeframe carries.

Fields become the hub's ``Field`` (``view.field`` names, as in json_detail), so the tag checks
are the very ones run on Looks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lkml.lexer import Lexer
from lkml.parser import Parser
from lkml.simple import DictVisitor

from looker_braze.actions.braze.tags import ID_TAG
from looker_braze.check.fields import analyse_tags, tag_findings
from looker_braze.check.findings import Finding, passed, problem, warning
from looker_braze.hub.document import Field, Fields

_KINDS = (("dimensions", "dimension"), ("dimension_groups", "dimension"), ("measures", "measure"))


def lookml_findings(text: str, key_kind: str, array_attribute: str) -> list[Finding]:
    try:
        parsed = parse_lookml(text)
    except Exception as exc:  # lkml raises SyntaxError and, on odd input, other errors
        return [
            problem(
                "lookml.parse",
                f"The file is not valid LookML ({_one_line(exc)}): fix it (Looker's IDE shows "
                "where).",
            )
        ]
    views = [v for v in parsed.get("views") or () if isinstance(v, dict)]
    if not views:
        return [
            problem(
                "lookml.parse",
                "The file defines no view: give the .view.lkml file whose fields carry the tags.",
            )
        ]
    entries = list(_entries(views))
    fields = Fields(tuple(field for field, _ in entries))
    analysis = analyse_tags(fields, key_kind, array_attribute)
    findings = [_parsed(views, entries)]
    findings += _tag_shape_findings(entries)
    findings += tag_findings(analysis, "lookml", key_kind)
    findings += [note for field, raw in entries for note in _notes(field, raw)]
    return findings


class _GuardedLexer(Lexer):
    """lkml's lexer, minus its endless loop: on a single ';' outside a quoted value or a SQL block
    its scan peeks the same character again and again (open issue joshtemple/lkml#91), and a
    ';' typed for ';;' is a likely typo. Seeing that, this raises SyntaxError instead."""

    _last_peek = -1

    def peek(self) -> str:
        char = super().peek()
        lone = char == ";" and self.text[self.index + 1] != ";"
        if lone and self.index == self._last_peek:
            raise SyntaxError(f"a single ';' on line {self.line_number}; LookML ends SQL with ';;'")
        self._last_peek = self.index
        return char


def parse_lookml(text: str) -> dict[str, Any]:
    """What ``lkml.load`` returns, with its lexer guarded (see _GuardedLexer)."""
    tree = Parser(_GuardedLexer(text).scan()).parse()
    return DictVisitor().visit(tree)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _parsed(views: list[dict], entries: list[tuple[Field, dict]]) -> Finding:
    names = ", ".join(str(v.get("name", "?")) for v in views)
    tagged = sum(1 for field, _ in entries if _braze_tags(field))
    return passed(
        "lookml.parse",
        f"Read view {names}: {len(entries)} fields, {tagged} with Braze tags.",
    )


def _entries(views: list[dict]) -> Iterator[tuple[Field, dict]]:
    """Each field of each view as the hub's Field, with its LookML for the notes."""
    for view in views:
        for key, category in _KINDS:
            for raw in view.get(key) or ():
                if isinstance(raw, dict):
                    yield _field(str(view.get("name", "?")), key, category, raw), raw


def _field(view: str, key: str, category: str, raw: dict[str, Any]) -> Field:
    name = str(raw.get("name", "?"))
    kind = str(raw.get("type") or ("count" if category == "measure" else "string"))
    if key == "dimension_groups":
        name, kind = _group_name_and_type(name, kind, raw)
    tags = raw.get("tags")
    return Field(
        name=f"{view}.{name}",
        label=str(raw.get("label") or name),
        type=kind,
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        is_numeric=False,  # the type says it (converter_for reads number, count, sum ...)
        category=category,
    )


def _group_name_and_type(name: str, kind: str, raw: dict[str, Any]) -> tuple[str, str]:
    """A dimension group's first timeframe, as a Look would name and type it."""
    if kind == "duration":
        intervals = raw.get("intervals") or ["day"]
        return f"{intervals[0]}s_{name}", "number"
    timeframes = raw.get("timeframes") or ["date"]
    return f"{name}_{timeframes[0]}", f"date_{timeframes[0]}"


def _braze_tags(field: Field) -> list[str]:
    return [t for t in field.tags if t.lower().startswith("braze")]


def _tag_shape_findings(entries: list[tuple[Field, dict]]) -> list[Finding]:
    return [
        problem(
            "lookml.tags",
            f"{field.name} has tags: {raw['tags']!r}, which Looker does not read as a list: "
            f'write tags: ["{ID_TAG}"] (a list of strings).',
        )
        for field, raw in entries
        if "tags" in raw and not isinstance(raw["tags"], list)
    ]


def _notes(field: Field, raw: dict[str, Any]) -> list[Finding]:
    tags = _braze_tags(field)
    if not tags:
        return []
    shown = ", ".join(tags)
    notes = []
    if str(raw.get("hidden", "no")).lower() == "yes":
        notes.append(
            warning(
                "lookml.hidden",
                f"{field.name} is hidden but tagged {shown}: users cannot pick it in the Explore, "
                "so Looks leave it out. Unhide it (hidden: no) or tag a visible field.",
            )
        )
    if field.category == "measure":
        notes.append(_measure_note(field, tags))
    timeframes = raw.get("timeframes") or ()
    if "timeframes" in raw and len(timeframes) > 1:
        notes.append(
            warning(
                "lookml.timeframes",
                f"Every timeframe of dimension group {field.name} ({', '.join(timeframes)}) "
                f"carries {shown}: put exactly one of them in a Look, or the hub sees several "
                "tagged fields.",
            )
        )
    return notes


def _measure_note(field: Field, tags: list[str]) -> Finding:
    if ID_TAG in tags:
        return warning(
            "lookml.measure",
            f"{field.name} is a measure tagged {ID_TAG}: a measure aggregates rows and holds no "
            "user's id. Tag the dimension with the id instead.",
        )
    return warning(
        "lookml.measure",
        f"{field.name} is a measure tagged {', '.join(tags)}: its value depends on the Look's "
        "other fields; fine for a per-user figure (e.g. an order count per user id).",
    )
