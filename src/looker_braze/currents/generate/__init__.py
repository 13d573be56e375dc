"""Synthetic Braze Currents with a known truth.

``generate(out_dir, config)`` writes Avro files of every event type of Braze's catalogue, laid
out as Braze lands them, and beside them ``currents-config.json``: the exact configuration
(rates, cadences, retention curve, each channel's funnel rates) the events were drawn from, so
tests can check that the analytics recover it; and ``currents-overview-truth.json``: the
cross-channel overview's exact counts, from the events as drawn (reach.py). Users are processed
in chunks (``users_per_chunk``) so memory stays bounded however many events are written; the
same seed gives the same files.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from looker_braze.currents.generate.accounts import account_events
from looker_braze.currents.generate.channels import phone_events
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.email import email_events
from looker_braze.currents.generate.events import EventMaker
from looker_braze.currents.generate.journeys import journey_events
from looker_braze.currents.generate.push import card_and_webhook_events, push_events
from looker_braze.currents.generate.reach import (
    OVERVIEW_TRUTH_FILE,
    merge,
    overview_counts,
    read_overview_truth,
    write_overview_truth,
)
from looker_braze.currents.generate.response import response_events
from looker_braze.currents.generate.sessions import session_events
from looker_braze.currents.generate.surfaces import surface_events
from looker_braze.currents.generate.timeline import window
from looker_braze.currents.generate.users import app_ids, make_users
from looker_braze.currents.generate.writer import Writer, WriteTally

__all__ = [
    "CONFIG_FILE",
    "OVERVIEW_TRUTH_FILE",
    "GenerationSummary",
    "GeneratorConfig",
    "generate",
    "read_config",
    "read_overview_truth",
]

CONFIG_FILE = "currents-config.json"


@dataclass(frozen=True)
class GenerationSummary:
    out_dir: Path
    files: int
    events: int  # events written, re-deliveries included
    unique_events: int
    duplicates: int
    late: int
    bytes: int
    seconds: float
    events_by_type: dict[str, int]  # re-deliveries included


def generate(
    out_dir: Path, config: GeneratorConfig | dict | None = None, *, workers: int = 1
) -> GenerationSummary:
    """Write synthetic Currents under ``out_dir/currents/...`` and the config beside them.

    ``workers`` > 1 writes user chunks in that many processes (same files, faster).
    """
    began = time.perf_counter()
    config = _as_config(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CONFIG_FILE).write_text(json.dumps(config.to_json_dict(), indent=2) + "\n")
    root = (
        out_dir
        / "currents"
        / (f"dataexport.{config.cluster}.S3.integration.{config.integration_id}")
    )
    chunks = list(enumerate(range(0, config.users, config.users_per_chunk)))
    jobs = [(config, root, chunk, first) for chunk, first in chunks]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(min(workers, len(jobs))) as pool:
            results = list(pool.map(_generate_chunk, *zip(*jobs, strict=True)))
    else:
        results = [_generate_chunk(*job) for job in jobs]
    tally = WriteTally.merge([tally for tally, _ in results])
    write_overview_truth(out_dir, merge(counts for _, counts in results), config.timezone)
    written, duplicates = sum(tally.events.values()), sum(tally.duplicates.values())
    return GenerationSummary(
        out_dir=out_dir,
        files=tally.files,
        events=written,
        unique_events=written - duplicates,
        duplicates=duplicates,
        late=sum(tally.late.values()),
        bytes=tally.bytes,
        seconds=time.perf_counter() - began,
        events_by_type=dict(tally.events),
    )


def _generate_chunk(config: GeneratorConfig, root: Path, chunk: int, first: int):
    """Draw and write the events of users ``first`` .. ``first + users_per_chunk``; the write
    tally and the chunk's cross-channel overview counts."""
    span = window(config.start_date, config.days, config.timezone)
    rng = np.random.default_rng([config.seed, chunk])
    users = make_users(config.seed, first, min(config.users_per_chunk, config.users - first))
    apps = app_ids(config.seed)
    maker = EventMaker(config.seed, chunk)
    email_events(maker, config, users, span, rng)
    push_events(maker, config, users, span, rng, apps)
    card_and_webhook_events(maker, config, users, span, rng, apps)
    session_events(maker, config, users, span, rng, apps)
    # Channels and families added with the whole catalogue draw after the first four, so the
    # events above stay the same for the same seed.
    phone_events(maker, config, users, span, rng)
    surface_events(maker, config, users, span, rng, apps)
    journey_events(maker, config, users, span, rng)
    account_events(maker, config, users, span, rng, apps)
    response_events(maker, config, users, span)  # a planted audience's; its own random stream
    writer = Writer(root, config, span.start)
    versions = [writer.write(frame, rng, chunk) for frame in maker.frames]
    return writer.tally, overview_counts(maker.frames, versions, config.timezone)


def read_config(out_dir: Path) -> GeneratorConfig:
    """The configuration a generated folder was made with."""
    return GeneratorConfig.model_validate_json((Path(out_dir) / CONFIG_FILE).read_text())


def _as_config(config: GeneratorConfig | dict | None) -> GeneratorConfig:
    if config is None:
        return GeneratorConfig()
    if isinstance(config, GeneratorConfig):
        return config
    return GeneratorConfig.model_validate(config)
