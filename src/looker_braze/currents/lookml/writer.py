"""Writes a Looker project for one dialect: two model files, a view per file under views/, a
dashboard per file under dashboards/."""

from __future__ import annotations

import re
from pathlib import Path

import lkml
import yaml

from looker_braze.currents.lookml.audiences import membership_view
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


HEADER = "# Written by `looker-braze currents lookml` for {dialect}. Regenerate, do not edit.\n"


def write_lookml(
    out_dir: str | Path, dialect: str, schema: str | None = None, connection: str = "braze_currents"
) -> list[Path]:
    """Write the project into ``out_dir``; return the files written."""
    if dialect not in DIALECTS:
        raise FailRun(f"dialect {dialect!r} is not supported; use one of {', '.join(DIALECTS)}")
    out = Path(out_dir)
    raw = [*event_views(dialect, schema), membership_view(dialect, schema)]
    views = {view["name"]: view for view in raw + derived_views(dialect)}
    written = [
        _write(out / "views" / f"{name}.view.lkml", dialect, lkml.dump({"views": [view]}))
        for name, view in views.items()
    ]
    boards = all_dashboards()
    for model, explores in (
        (ENGAGEMENT_MODEL, engagement_explores()),
        (BEHAVIOR_MODEL, behavior_explores()),
    ):
        used = _with_tables_read(
            list(dict.fromkeys(v for e in explores for v in explore_views(e))), views
        )
        names = [board["dashboard"] for board in boards[model]]
        text = lkml.dump(model_file(explores, connection, used, names))
        written.append(_write(out / f"{model}.model.lkml", dialect, text))
        for board in boards[model]:
            path = out / "dashboards" / f"{board['dashboard']}.dashboard.lookml"
            body = yaml.dump([board], Dumper=_PlainDumper, sort_keys=False, width=100)
            written.append(_write(path, dialect, body))
    return written


_TABLE_REF = re.compile(r"\$\{(\w+)\.SQL_TABLE_NAME\}")


def _with_tables_read(used: list[str], views: dict[str, dict]) -> list[str]:
    """``used`` plus every view whose table their derived tables read: Looker resolves
    `${view.SQL_TABLE_NAME}` only for a view the model includes, even one no explore uses."""
    found = list(used)
    for name in found:  # grows while it is walked: a derived table may read another's
        sql = views.get(name, {}).get("derived_table", {}).get("sql", "")
        found += [v for v in dict.fromkeys(_TABLE_REF.findall(sql)) if v not in found]
    return found


def _write(path: Path, dialect: str, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(dialect=dialect) + text)
    return path
