"""The closed loop for a phone audience, end to end: a Look of phone numbers written the ways
people write them is synced over real HTTP to the Braze simulator, the history exported with
`audiences export`, Currents generated for the same population and loaded beside it; the
members are found in Currents on DuckDB and PostgreSQL, each as the user the number belongs to.
A number Currents never saw is not found, and its audience's note says so."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from looker_braze.audiences.export import export_membership
from looker_braze.currents.generate import generate
from looker_braze.currents.generate.users import make_users
from looker_braze.currents.load import load
from looker_braze.currents.membership import MEMBERSHIP
from looker_braze.currents.models import run
from looker_braze.currents.warehouse import connect
from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender
from looker_braze.state import open_store

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(300)

SEED, GENERATED, KNOWN_TO_BRAZE = 3, 60, 100  # Currents has users 0-59; Braze knows 0-99
MEMBERS = range(0, GENERATED, 3)
NEVER_MESSAGED = range(80, 83)  # profiles in Braze, numbers no Currents event names
FOUND, UNSEEN = "texted", "never texted"


def written(phone: str, style: int) -> str:
    """A U.S. number in E.164 (+1 and ten digits) as a Look might hold it."""
    area, exchange, line = phone[2:5], phone[5:8], phone[8:]
    return (
        f"({area}) {exchange}-{line}",
        f"+1 {area} {exchange} {line}",
        f"1-{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        phone,
    )[style % 5]


def phone_look(users) -> bytes:
    fields = {"dimensions": [{"name": "u.phone", "type": "string", "tags": ["braze_id"]}]}
    data = [{"u.phone": {"value": written(population.phone(i), i)}} for i in users]
    return orjson.dumps({"fields": {**fields, "measures": []}, "data": data})


async def flag(hub, braze, label: str, users) -> None:
    form = {"braze_key": "phone", "braze_segment": label, "braze_mode": "sync"}
    async with LookerSender(hub.url, token=hub.token) as looker:
        result = await looker.execute(
            "braze", params=braze.params(), form_params=form, look=phone_look(users)
        )
    assert result.looker["success"] is True, result.looker["message"]


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "duckdb":
        return str(tmp_path / "warehouse.duckdb")
    url, schema = request.getfixturevalue("pg_schema")
    return f"{url}?schema={schema}"


def _currents(folder) -> None:
    """Two weeks of Currents for the first GENERATED users, texting everyone several times."""
    start = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=7)
    texts = {"sends_per_user_per_week": 5.0}
    config = {"seed": SEED, "users": GENERATED, "days": 14, "start_date": start.isoformat(),
              "sms": texts, "whatsapp": texts, "rcs": texts}  # fmt: skip
    generate(folder, config)


async def test_a_phone_audience_is_found_in_currents(tmp_path, warehouse_url):
    state_url = f"sqlite:///{tmp_path}/state.sqlite3"
    with (
        running_braze(users=KNOWN_TO_BRAZE) as braze,
        running_hub(braze.url, state_url=state_url) as hub,
    ):
        await flag(hub, braze, FOUND, MEMBERS)
        await flag(hub, braze, UNSEEN, NEVER_MESSAGED)
    _currents(tmp_path / "currents")
    with open_store(state_url) as store, connect(warehouse_url) as warehouse:
        export_membership(store, warehouse)
    assert load(tmp_path / "currents", warehouse_url).succeeded
    with connect(warehouse_url) as warehouse:
        _, exported = warehouse.query(
            f'SELECT "LABEL", "IDENTIFIER_KIND", "IDENTIFIER" FROM "{MEMBERSHIP}"'
        )
        summary = {r["audience"]: r for r in run(warehouse, "audience_summary").records()}
    # However the Look wrote them, the history holds the numbers in E.164 ...
    assert sorted(exported) == sorted(
        [(FOUND, "phone", population.phone(i)) for i in MEMBERS]
        + [(UNSEEN, "phone", population.phone(i)) for i in NEVER_MESSAGED]
    )
    # ... the form Currents names them in (the generator gives user i the simulator's number),
    # so every member is found.
    assert set(make_users(SEED, 0, GENERATED).phone) >= {population.phone(i) for i in MEMBERS}
    texted = summary[FOUND]
    assert (texted["identifier_kind"], texted["members_ever"]) == ("phone", len(MEMBERS))
    assert texted["spells_in_currents"] == len(MEMBERS)
    assert texted["note"] is None
    unseen = summary[UNSEEN]
    assert (unseen["members_ever"], unseen["spells_in_currents"]) == (len(NEVER_MESSAGED), 0)
    assert unseen["note"] == (
        "none of these numbers appears in the loaded SMS, WhatsApp or RCS Currents"
    )
    assert unseen["engagement_rate_after"] is None  # not a zero
