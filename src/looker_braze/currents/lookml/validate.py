"""Checks a written Looker project without a Looker instance:

- every .lkml file parses with `lkml`, every .dashboard.lookml with YAML;
- every `${view.field}` and `${field}` resolves, and a view's references to other views stay
  inside each explore that uses it (so Looker can build the join); `{% condition %}` and
  `{% parameter %}` name a filter/parameter of their view; model includes exist;
- every dashboard element's model, explore and fields (fields, sorts, pivots, filters, listen)
  resolve in that explore, and every listened-to filter exists on the dashboard;
- every SQL text (derived tables, dimensions, measures, joins) parses with sqlglot in the
  target dialect once Looker's `${...}` and Liquid are masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import lkml
import sqlglot
import yaml

_REF = re.compile(r"\$\{([^}]+)\}")
_LIQUID = re.compile(r"\{%\s*(condition|parameter)\s+(\w+)\s*%\}")
_FIELD_LISTS = ("dimensions", "measures", "filters", "parameters")


@dataclass
class Project:
    root: Path
    views: dict[str, dict] = field(default_factory=dict)
    models: dict[str, dict] = field(default_factory=dict)
    dashboards: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def fields(self, view: str) -> set[str]:
        return view_fields(self.views.get(view, {}))


def validate_lookml(directory: str | Path, dialect: str) -> list[str]:
    """Problems found in the project at ``directory`` (empty: valid)."""
    project = load_project(Path(directory))
    if not project.models:
        project.problems.append(f"no *.model.lkml file in {directory}")
    for name, view in project.views.items():
        project.problems += _check_view(project, name, view, dialect)
    for name, model in project.models.items():
        project.problems += _check_model(project, name, model, dialect)
    for name, board in project.dashboards.items():
        project.problems += _check_dashboard(project, name, board)
    return project.problems


def load_project(root: Path) -> Project:
    project = Project(root)
    for path in sorted(root.rglob("*.lkml")):
        try:
            parsed = lkml.load(path.read_text())
        except Exception as exc:  # lkml raises its own and Python errors alike
            project.problems.append(f"{path.relative_to(root)}: does not parse: {exc}")
            continue
        if path.name.endswith(".model.lkml"):
            project.models[path.name.removesuffix(".model.lkml")] = parsed
        for view in parsed.get("views", []):
            project.views[view["name"]] = view
    for path in sorted(root.rglob("*.dashboard.lookml")):
        try:
            for board in yaml.safe_load(path.read_text()):
                project.dashboards[board["dashboard"]] = board
        except (yaml.YAMLError, TypeError, KeyError) as exc:
            project.problems.append(f"{path.relative_to(root)}: not a dashboard: {exc}")
    return project


def view_fields(view: dict) -> set[str]:
    names = {f["name"] for key in _FIELD_LISTS for f in view.get(key, [])}
    for group in view.get("dimension_groups", []):
        names |= {f"{group['name']}_{tf}" for tf in group.get("timeframes", [])}
    return names


def _sql_texts(view: dict) -> Iterator[tuple[str, str, bool]]:
    """(where, sql, is_statement) for every SQL text of a view."""
    if "derived_table" in view:
        yield "derived_table", view["derived_table"]["sql"], True
    for key in (*_FIELD_LISTS, "dimension_groups"):
        for item in view.get(key, []):
            if "sql" in item:
                yield item["name"], item["sql"], False


def _check_view(project: Project, name: str, view: dict, dialect: str) -> list[str]:
    problems, own = [], project.fields(name)
    filters = {f["name"] for key in ("filters", "parameters") for f in view.get(key, [])}
    for where, sql, statement in _sql_texts(view):
        for ref in _REF.findall(sql):
            problem = _resolve(project, ref, name, own)
            if problem:
                problems.append(f"view {name}, {where}: {problem}")
        for kind, target in _LIQUID.findall(sql):
            if target not in filters:
                problems.append(
                    f"view {name}, {where}: {{% {kind} {target} %}} names no "
                    f"filter or parameter of the view"
                )
        problems += _check_sql(f"view {name}, {where}", sql, dialect, statement)
    return problems


def _resolve(project: Project, ref: str, view: str, own: set[str]) -> str | None:
    if ref == "TABLE":
        return None
    target, _, member = ref.rpartition(".")
    if not target:
        return None if ref in own else f"${{{ref}}} is not a field of {view}"
    if target not in project.views:
        return f"${{{ref}}}: no view {target}"
    if member != "SQL_TABLE_NAME" and member not in project.fields(target):
        return f"${{{ref}}}: view {target} has no field {member}"
    return None


def _check_model(project: Project, name: str, model: dict, dialect: str) -> list[str]:
    problems, included = [], set()
    for include in model.get("includes", []):
        matched = list(project.root.glob(include.lstrip("/")))
        if not matched:
            problems.append(f"model {name}: include {include} matches no file")
        included |= {p.name.removesuffix(".view.lkml") for p in matched}
    for explore in model.get("explores", []):
        views = [explore["name"], *(j["name"] for j in explore.get("joins", []))]
        for view in views:
            if view not in project.views:
                problems.append(f"model {name}, explore {explore['name']}: no view {view}")
                continue
            if view not in included:
                problems.append(
                    f"model {name}: explore {explore['name']} uses view {view}, "
                    "which the model does not include"
                )
            for where, sql, _ in _sql_texts(project.views[view]):
                for ref in _REF.findall(sql):
                    other, _, member = ref.rpartition(".")
                    if member == "SQL_TABLE_NAME" and other not in included:
                        problems.append(
                            f"model {name}: view {view} ({where}) reads {other}, "
                            "which the model does not include"
                        )
                    elif other and member != "SQL_TABLE_NAME" and other not in views:
                        problems.append(
                            f"model {name}, explore {explore['name']}: view {view}"
                            f" ({where}) needs {other}, which the explore lacks"
                        )
        for join in explore.get("joins", []):
            where = f"model {name}, explore {explore['name']}, join {join['name']}"
            for ref in _REF.findall(join.get("sql_on", "")):
                if ref.partition(".")[0] not in views:
                    problems.append(f"{where}: ${{{ref}}} is outside the explore")
                problem = _resolve(project, ref, "", set())
                if problem:
                    problems.append(f"{where}: {problem}")
            problems += _check_sql(where, join.get("sql_on", "TRUE"), dialect, False)
    return problems


def _explore(project: Project, model: str, explore: str) -> list[str] | None:
    for item in project.models.get(model, {}).get("explores", []):
        if item["name"] == explore:
            return [item["name"], *(j["name"] for j in item.get("joins", []))]
    return None


def _field_in(project: Project, views: list[str], ref: str) -> bool:
    view, _, member = ref.partition(".")
    return view in views and member in project.fields(view)


def _check_dashboard(project: Project, name: str, board: dict) -> list[str]:
    problems = []
    filter_names = {f["name"] for f in board.get("filters", [])}
    for item in board.get("filters", []):
        views = _explore(project, item.get("model", ""), item.get("explore", ""))
        if views is None or not _field_in(project, views, item.get("field", "")):
            problems.append(
                f"dashboard {name}, filter {item['name']}: {item.get('field')} "
                f"does not resolve in {item.get('model')}/{item.get('explore')}"
            )
    for element in board.get("elements", []):
        where = f"dashboard {name}, tile {element.get('title')}"
        views = _explore(project, element.get("model", ""), element.get("explore", ""))
        if views is None:
            problems.append(
                f"{where}: no explore {element.get('explore')} in model {element.get('model')}"
            )
            continue
        problems += _check_tile_fields(project, where, views, element, filter_names)
    return problems


def _check_tile_fields(project, where, views, element, filter_names) -> list[str]:
    problems = []
    asked = [
        *element.get("fields", []),
        *element.get("pivots", []),
        *(s.split()[0] for s in element.get("sorts", [])),
        *element.get("filters", {}),
        *element.get("listen", {}).values(),
    ]
    for ref in asked:
        if not _field_in(project, views, ref):
            problems.append(f"{where}: field {ref} is not in explore {element['explore']}")
    for listened in element.get("listen", {}):
        if listened not in filter_names:
            problems.append(f"{where}: listens to {listened!r}, a filter the dashboard lacks")
    shown = set(element.get("fields", []))
    calcs = {c.get("table_calculation") for c in element.get("dynamic_fields", [])}
    for calc in element.get("dynamic_fields", []):
        for ref in _REF.findall(calc.get("expression", "")):
            if ref not in shown and ref not in calcs:
                problems.append(
                    f"{where}: table calculation uses {ref}, which the tile does not query"
                )
    return problems


def _masked(sql: str) -> str:
    sql = re.sub(
        r"\{%\s*condition\s+\w+\s*%\}.*?\{%\s*endcondition\s*%\}", "(1 = 1)", sql, flags=re.S
    )
    sql = re.sub(r"\{%\s*parameter\s+\w+\s*%\}", "'day'", sql)
    sql = re.sub(r"\{\{.*?\}\}", "UTC", sql)
    return _REF.sub(lambda m: "__" + m.group(1).replace(".", "__"), sql)


def _check_sql(where: str, sql: str, dialect: str, statement: bool) -> list[str]:
    text = _masked(sql) if statement else f"SELECT {_masked(sql)}"
    try:
        sqlglot.parse_one(text, read=dialect)
    except sqlglot.errors.ParseError as exc:
        return [f"{where}: SQL does not parse as {dialect}: {str(exc).splitlines()[0]}"]
    return []
