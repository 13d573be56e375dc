"""Writes a Looker project for one dialect: two model files, a view per file under views/, a
dashboard per file under dashboards/."""

from __future__ import annotations

import re
from pathlib import Path

import lkml
import yaml

from looker_braze.currents.lookml.dashboards import all_dashboards
from looker_braze.currents.lookml.derived import derived_views
from looker_braze.currents.lookml.explores import (
    BEHAVIOR_MODEL,
    ENGAGEMENT_MODEL,
    behavior_explores,
    engagement_explores,
    explore_views,
    model_file,
)
from looker_braze.currents.lookml.sqltext import DIALECTS
from looker_braze.currents.lookml.views import event_views
from looker_braze.errors import FailRun


class _PlainDumper(yaml.SafeDumper):
    """Repeats shared values instead of writing YAML anchors (&id001), which read poorly."""

    def ignore_aliases(self, data) -> bool:
        return True


_TABLE_REF = re.compile(r"\$\{(\w+)\.SQL_TABLE_NAME\}")
HEADER = "# Written by `looker-braze currents lookml` for {dialect}. Regenerate, do not edit.\n"


def write_lookml(
    out_dir: str | Path, dialect: str, schema: str | None = None, connection: str = "braze_currents"
) -> list[Path]:
    """Write the project into ``out_dir``; return the files written."""
    if dialect not in DIALECTS:
        raise FailRun(f"dialect {dialect!r} is not supported; use one of {', '.join(DIALECTS)}")
    out = Path(out_dir)
    views = {view["name"]: view for view in event_views(dialect, schema) + derived_views(dialect)}
    written = [
        _write(out / "views" / f"{name}.view.lkml", dialect, lkml.dump({"views": [view]}))
        for name, view in views.items()
    ]
    boards = all_dashboards()
    for model, explores in (
        (ENGAGEMENT_MODEL, engagement_explores()),
        (BEHAVIOR_MODEL, behavior_explores()),
    ):
        used = list(dict.fromkeys(v for e in explores for v in explore_views(e)))
        used += [v for v in read_by_derived_tables(views, used) if v not in used]
        names = [board["dashboard"] for board in boards[model]]
        text = lkml.dump(model_file(explores, connection, used, names))
        written.append(_write(out / f"{model}.model.lkml", dialect, text))
        for board in boards[model]:
            path = out / "dashboards" / f"{board['dashboard']}.dashboard.lookml"
            body = yaml.dump([board], Dumper=_PlainDumper, sort_keys=False, width=100)
            written.append(_write(path, dialect, body))
    return written


def read_by_derived_tables(views: dict[str, dict], names: list[str]) -> list[str]:
    """The views whose tables the derived tables of ``names`` read (`${view.SQL_TABLE_NAME}`):
    a model must include them too, or Looker cannot resolve the derived SQL."""
    read = []
    for name in names:
        sql = views[name].get("derived_table", {}).get("sql", "")
        read += _TABLE_REF.findall(sql)
    return list(dict.fromkeys(read))


def _write(path: Path, dialect: str, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(dialect=dialect) + text)
    return path
