"""The cross-channel overview's truth: per channel and local Monday week (in the configured time
zone), messages sent (in-app messages and banners: shown), users reached and users engaged among
them, and an "all channels" row counting each user once; written beside the files as
``currents-overview-truth.json``.

Counted from the events the generator made, each once (as a load keeps them: re-deliveries
are copies), with no loading and none of the models' SQL. What counts is the overview's
definition (the header of channel_activity.sql), stated here on the generator's side:
- reached: a send (in-app messages and banners: an impression, as Braze shows them);
- engaged: a person's email open or click, push open, SMS/WhatsApp/RCS/LINE read, click or reply
  (an inbound STOP is an opt-out, not a reply), in-app message, content card or banner click;
  webhooks never. Machine opens and clicks flagged as suspected bots count only in the
  ``users_engaged_with_machine_events`` figure. A flag counts where the data carries it: in
  the schema version the event was written with (the writer's, for the copy a load keeps).
  Email opens and clicks written with version 1 have no flag field, nor have WhatsApp clicks
  in any version, so the machine events the generator made there read as people's: no report
  can tell them apart;
- a user counts as engaged in a channel's week only if that channel reached them that week,
  and in the "all channels" row if some channel's row counts them engaged.
A user's events all fall in one chunk, so each chunk's distinct-user counts add across chunks.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from looker_braze.currents import schemas
from looker_braze.currents.generate.columns import Coded, Frame

OVERVIEW_TRUTH_FILE = "currents-overview-truth.json"
ALL_CHANNELS = "all channels"
FIGURES = ("messages_sent", "users_reached", "users_engaged", "users_engaged_with_machine_events")

_M = "users.messages."
REACHES = {  # event type -> the channel whose user it reaches
    _M + "email.Send": "email",
    _M + "pushnotification.Send": "push",
    _M + "sms.Send": "sms",
    _M + "whatsapp.Send": "whatsapp",
    _M + "rcs.Send": "rcs",
    _M + "line.Send": "line",
    _M + "inappmessage.Impression": "in_app",
    _M + "contentcard.Send": "content_card",
    _M + "banner.Impression": "banner",
    _M + "webhook.Send": "webhook",
}
ENGAGES = {  # event type -> the channel a person engages with (no webhook event is one)
    _M + "email.Open": "email",
    _M + "email.Click": "email",
    _M + "pushnotification.Open": "push",
    _M + "sms.ShortLinkClick": "sms",
    _M + "sms.InboundReceive": "sms",
    _M + "whatsapp.Read": "whatsapp",
    _M + "whatsapp.Click": "whatsapp",
    _M + "whatsapp.InboundReceive": "whatsapp",
    _M + "rcs.Read": "rcs",
    _M + "rcs.Click": "rcs",
    _M + "rcs.InboundReceive": "rcs",
    _M + "line.Click": "line",
    _M + "line.InboundReceive": "line",
    _M + "inappmessage.Click": "in_app",
    _M + "contentcard.Click": "content_card",
    _M + "banner.Click": "banner",
}
CHANNELS = tuple(dict.fromkeys(REACHES.values()))

# A (channel, local week, user) as one int64: channel index, the Monday's date ordinal, the
# user's position in its chunk.
_CHANNEL_SHIFT, _WEEK_SHIFT = 56, 36
_WEEK_AND_USER = (1 << _CHANNEL_SHIFT) - 1
_QUARTER_HOUR = 900  # every zone's offset is a whole number of quarter hours

Counts = dict[tuple[str, str], list[int]]  # (week_start ISO date, channel) -> FIGURES


def overview_counts(
    frames: Iterable[Frame], versions: Iterable[np.ndarray], timezone: str
) -> Counts:
    """One chunk's overview figures from the frames its events were drawn into and, per frame,
    the schema version each event was written with."""
    zone = ZoneInfo(timezone)
    sent, people, machines = [], [], []
    for frame, version in zip(frames, versions, strict=True):
        if frame.event_type in REACHES:
            sent.append(_keys(frame, REACHES[frame.event_type], zone))
        elif frame.event_type in ENGAGES:
            keys = _keys(frame, ENGAGES[frame.event_type], zone)
            engagement = ~_opt_out(frame, version)
            machine = _flagged_machine(frame, version)
            people.append(keys[engagement & ~machine])
            machines.append(keys[engagement & machine])
    sent_keys = _joined(sent)
    reached = np.unique(sent_keys)
    by_people = np.intersect1d(reached, _joined(people))
    by_anyone = np.intersect1d(reached, _joined(people + machines))
    counts: Counts = {}
    for figure, keys in (
        ("messages_sent", sent_keys),
        ("users_reached", reached),
        ("users_engaged", by_people),
        ("users_engaged_with_machine_events", by_anyone),
    ):
        _tally(counts, figure, keys)
        # All channels: every message, but each (week, user) once whichever channels count it.
        week_users = keys & _WEEK_AND_USER
        if figure != "messages_sent":
            week_users = np.unique(week_users)
        _tally(counts, figure, week_users, every_channel=True)
    return counts


def merge(parts: Iterable[Counts]) -> Counts:
    total: Counts = {}
    for part in parts:
        for key, figures in part.items():
            into = total.setdefault(key, [0] * len(FIGURES))
            total[key] = [a + b for a, b in zip(into, figures, strict=True)]
    return total


def write_overview_truth(out_dir: Path, counts: Counts, timezone: str) -> None:
    rows = [
        {"week_start": week, "channel": channel, **dict(zip(FIGURES, figures, strict=True))}
        for (week, channel), figures in sorted(counts.items())
    ]
    document = {"timezone": timezone, "rows": rows}
    (Path(out_dir) / OVERVIEW_TRUTH_FILE).write_text(json.dumps(document, indent=1) + "\n")


def read_overview_truth(out_dir: Path) -> dict:
    """{"timezone": zone of the weeks, "rows": [{week_start, channel, *FIGURES}, ...]}."""
    return json.loads((Path(out_dir) / OVERVIEW_TRUTH_FILE).read_text())


def _keys(frame: Frame, channel: str, zone: ZoneInfo) -> np.ndarray:
    users = frame.columns["user_id"].codes.astype(np.int64)  # position in the chunk
    week = _local_mondays(frame.time, zone)
    return (CHANNELS.index(channel) << _CHANNEL_SHIFT) | (week << _WEEK_SHIFT) | users


def _local_mondays(times: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """Date ordinal of the local Monday starting each time's week. Local midnights fall on UTC
    quarter hours, so each quarter hour has one local date: one conversion per quarter hour."""
    quarters, inverse = np.unique(np.asarray(times) // _QUARTER_HOUR, return_inverse=True)
    mondays = np.array([_monday(int(q) * _QUARTER_HOUR, zone) for q in quarters], dtype=np.int64)
    return mondays[inverse.reshape(-1)]


def _monday(epoch: int, zone: ZoneInfo) -> int:
    day = dt.datetime.fromtimestamp(epoch, zone).date()
    return day.toordinal() - day.weekday()


def _opt_out(frame: Frame, version: np.ndarray) -> np.ndarray:
    """Inbound messages that changed the user's subscription: an opt-out (or in), not a reply."""
    return _written(frame, version, "action", lambda a: np.isin(a, ["Subscribed", "Unsubscribed"]))


def _flagged_machine(frame: Frame, version: np.ndarray) -> np.ndarray:
    """Events the data flags as a machine's: a machine open, a suspected bot click."""
    machine_open = _written(frame, version, "machine_open", lambda flag: flag == "true")
    bot = _written(frame, version, "is_suspected_bot_click", lambda flag: flag.astype(bool))
    return machine_open | bot


def _written(frame: Frame, version: np.ndarray, field: str, test) -> np.ndarray:
    """``test`` of the values of ``field`` as written: False where the frame has no such column
    or the event's schema version has no such field (a load reads it as null)."""
    column = frame.columns.get(field)
    if column is None:
        return np.zeros(len(frame), dtype=bool)
    has_field = [v for v in np.unique(version).tolist() if field in _field_names(frame, v)]
    values = column.table[column.codes] if isinstance(column, Coded) else np.asarray(column)
    return np.isin(version, has_field) & np.asarray(test(values), dtype=bool)


def _field_names(frame: Frame, version: int) -> set[str]:
    return {f.name for f in schemas.fields(frame.event_type, version)}


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _tally(counts: Counts, figure: str, keys: np.ndarray, every_channel: bool = False) -> None:
    """Add the number of ``keys`` per (week, channel) to ``figure``; ``every_channel``: the keys
    carry no channel (its bits cleared) and count in the all-channels row."""
    groups, n = np.unique(keys >> _WEEK_SHIFT, return_counts=True)
    index = FIGURES.index(figure)
    for group, count in zip(groups.tolist(), n.tolist(), strict=True):
        channel, week = divmod(group, 1 << (_CHANNEL_SHIFT - _WEEK_SHIFT))
        name = ALL_CHANNELS if every_channel else CHANNELS[channel]
        row = counts.setdefault((dt.date.fromordinal(week).isoformat(), name), [0] * len(FIGURES))
        row[index] += count
