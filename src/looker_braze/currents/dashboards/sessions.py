"""The App Sessions dashboard: first sessions, session starts and session ends counted as
distinct session ids (the retention block's views count sessions, not events), users, and the
average session length. Each tile reads its own event type, placed by its own time."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Filter, Looker, Tile
from looker_braze.currents.lookml.explores import BEHAVIOR_MODEL
from looker_braze.currents.lookml.views import FIRST_SESSION

START = "users_behaviors_app_sessionstart"
END = "users_behaviors_app_sessionend"
DATE, APP = "Date", "App"


def _tile(title: str, explore: str, time_group: str, fields: tuple[Field, ...]) -> Tile:
    return Tile(
        title,
        "app_sessions",
        "kpis",
        fields,
        Looker(
            explore,
            "looker_single_record",
            8,
            4,
            listen={DATE: f"{explore}.{time_group}_date", APP: f"{explore}.app_id"},
        ),
    )


def app_sessions() -> Dashboard:
    return Dashboard(
        "app_sessions",
        "App Sessions",
        "First sessions, sessions and ended sessions (distinct session ids, each by its own "
        "time), the users who started sessions, and the average session length.",
        BEHAVIOR_MODEL,
        (
            _tile(
                "First Sessions",
                FIRST_SESSION,
                "first_session",
                (Field("First sessions", "first_sessions", lookml=(f"{FIRST_SESSION}.sessions",)),),
            ),
            _tile(
                "Sessions",
                START,
                "session_start",
                (
                    Field("Sessions", "sessions", lookml=(f"{START}.sessions",)),
                    Field("Users with a session", "users", lookml=(f"{START}.users",)),
                ),
            ),
            _tile(
                "Session Ends",
                END,
                "session_end",
                (
                    Field("Ended sessions", "ended_sessions", lookml=(f"{END}.sessions",)),
                    Field(
                        "Average session length (s)",
                        "average_duration",
                        "num",
                        (f"{END}.average_duration",),
                    ),
                ),
            ),
        ),
        (
            Filter(DATE, START, f"{START}.session_start_date", "28 days"),
            Filter(APP, START, f"{START}.app_id"),
        ),
    )
