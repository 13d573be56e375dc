"""Per-user account events at their configured rates: profile updates, push token changes,
subscription group opt-ins, random bucket updates, deletion requests and orphaned profiles,
and BrazeAI agent runs with their tool calls."""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.columns import Coded, Column, Ids, choice, constant, key_base
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.events import EventMaker, bernoulli
from looker_braze.currents.generate.messages import Catalog, sends_per_user
from looker_braze.currents.generate.timeline import Window, later
from looker_braze.currents.generate.users import Users, app_group_id

USERS = "users."
UPDATE_SOURCES = ["REST", "SDK", "CSV"]  # "REST" as in Braze's sample file
MODELS = [("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku")]
TOOLS = ["lookup_order", "search_catalog", "update_profile"]


def account_events(
    maker: EventMaker,
    config: GeneratorConfig,
    users: Users,
    window: Window,
    rng: np.random.Generator,
    app_ids: list[str],
) -> None:
    rates = config.accounts
    people = _people(config, users, np.arange(len(users)), app_ids)
    every = np.arange(len(users))
    who = sends_per_user(rng, len(users), rates.profile_updates_per_user_per_week, window.days)
    maker.emit(
        USERS + "profile.Update",
        people,
        who,
        (times := window.uniform_times(rng, len(who))),
        time_ms=times * 1000 + rng.integers(0, 1000, len(who)),
        update_source=choice(rng, UPDATE_SOURCES, len(who)),
        email_address=users.column("email", who),
        language=constant("en", len(who)),
        country=constant("US", len(who)),
    )
    _tokens(maker, config, rng, people, every, window)
    _opt_ins(maker, config, users, rng, people, every, window)
    for event, rate, extra in (
        ("RandomBucketNumberUpdate", rates.random_bucket_update_rate, "bucket"),
        ("UserDeleteRequest", rates.delete_request_rate, None),
        ("UserOrphan", rates.orphan_rate, "orphan"),
    ):
        rows = np.flatnonzero(bernoulli(rng, rate, len(users)))
        columns: dict[str, Column] = {}
        if extra == "bucket":
            columns["random_bucket_number"] = rng.integers(0, 10_000, len(rows))
            columns["prev_random_bucket_number"] = rng.integers(0, 10_000, len(rows))
        elif extra == "orphan":  # merged into another profile
            columns["orphaned_by_id"] = Coded.of((rows + 1) % len(users), users.braze_id)
        maker.emit(USERS + event, people, rows, window.uniform_times(rng, len(rows)), **columns)
    _agents(maker, config, users, rng, people, window)


def _people(config, users, who, app_ids) -> dict[str, Column]:
    n = len(who)
    return {
        "user_id": users.column("braze_id", who),
        "external_user_id": users.column("external_id", who),
        "app_group_id": constant(app_group_id(config.seed), n),
        "app_id": users.app_id_column(app_ids, who),
        "device_id": users.column("device_id", who),
        "platform": users.platform_column(who),
        "timezone": constant(config.timezone, n),
    }


def _tokens(maker, config, rng, people, every, window) -> None:
    """A push token added for some users (a reinstall or a new token from the OS)."""
    rows = every[bernoulli(rng, config.accounts.push_token_change_rate, len(every))]
    times = window.uniform_times(rng, len(rows))
    keys = key_base(config.seed, "push_token") + rows.astype(np.uint64)
    maker.emit(
        USERS + "behaviors.pushnotification.TokenStateChange",
        people,
        rows,
        times,
        time_ms=times * 1000,
        push_token=Ids(keys),
        push_token_state_change_type=constant("add", len(rows)),
        push_token_device_id=people["device_id"].take(rows),
        sdk_version=constant("9.0.0", len(rows)),
        push_token_provisionally_opted_in=np.zeros(len(rows), dtype=bool),
    )


def _opt_ins(maker, config, users, rng, people, every, window) -> None:
    """Users joining a subscription group (email or SMS) through the REST API."""
    rows = every[bernoulli(rng, config.accounts.subscription_group_opt_in_rate, len(every))]
    channel = rng.integers(0, 2, len(rows))
    # The email group, and the SMS group SMS messages are sent through (channels.py), so SMS
    # opt-ins and STOP replies change the same group.
    groups = [
        Catalog("subscription", config.seed, ()).ids("group", 1)[0],
        Catalog("sms", config.seed, ()).ids("group", 1)[0],
    ]
    maker.emit(
        USERS + "behaviors.subscriptiongroup.StateChange",
        people,
        rows,
        window.uniform_times(rng, len(rows)),
        email_address=Coded.of(np.where(channel == 0, rows, -1), users.email),
        phone_number=Coded.of(np.where(channel == 1, rows, -1), users.phone),
        subscription_group_id=Coded.of(channel, groups),
        channel=Coded.of(channel, ["email", "sms"]),
        subscription_status=constant("Subscribed", len(rows)),
        state_change_source=constant("REST API", len(rows)),
    )
    _opt_outs(maker, config, users, people, every, window, groups)
    _global_states(maker, config, users, people, every, window)


def _opt_outs(maker, config, users, people, every, window, groups) -> None:
    """Users leaving the email subscription group in the preference center (SMS users leave
    theirs by replying STOP: channels.py). Drawn from the side generator, so the events drawn
    after the opt-ins stay the same for a seed."""
    side = maker.side
    rows = every[bernoulli(side, config.accounts.subscription_group_opt_out_rate, len(every))]
    email_group = np.zeros(len(rows), dtype=np.int64)
    maker.emit(
        USERS + "behaviors.subscriptiongroup.StateChange",
        people,
        rows,
        window.uniform_times(side, len(rows)),
        email_address=users.column("email", rows),
        subscription_group_id=Coded.of(email_group, groups),
        channel=constant("email", len(rows)),
        subscription_status=constant("Unsubscribed", len(rows)),
        state_change_source=constant("Preference Center", len(rows)),
    )


def _global_states(maker, config, users, people, every, window) -> None:
    """Global email and push subscription state changes other than the email unsubscribes
    (those come with email Unsubscribe events): one change per user at most per kind."""
    side, rates = maker.side, config.accounts
    for channel, status, rate in (
        ("email", "Opted In", rates.email_opt_in_rate),
        ("push", "Opted In", rates.push_opt_in_rate),
        ("push", "Unsubscribed", rates.push_unsubscribe_rate),
    ):
        rows = every[bernoulli(side, rate, len(every))]
        maker.emit(
            USERS + "behaviors.subscription.GlobalStateChange",
            people,
            rows,
            window.uniform_times(side, len(rows)),
            email_address=users.column("email", rows)
            if channel == "email"
            else constant(None, len(rows)),
            channel=constant(channel, len(rows)),
            subscription_status=constant(status, len(rows)),
            state_change_source=constant("SDK", len(rows)),
        )


def _agents(maker, config, users, rng, people, window) -> None:
    rates = config.agents
    if not rates.agents:
        return
    who = sends_per_user(rng, len(users), rates.executions_per_user_per_week, window.days)
    n = len(who)
    agent = rng.integers(0, len(rates.agents), n)
    model = rng.integers(0, len(MODELS), n)
    agent_ids = Catalog("agent", config.seed, ()).ids("agent", len(rates.agents))
    request = Ids(
        key_base(config.seed, "agent_request", maker.chunk) + np.arange(n, dtype=np.uint64)
    )
    prompt = rng.integers(200, 2000, n)
    completion = rng.integers(20, 400, n)
    runs: dict[str, Column] = {
        **{k: v.take(who) for k, v in people.items()},
        "agent_id": Coded.of(agent, agent_ids),
        "agent_name": Coded.of(agent, list(rates.agents)),
        "request_id": request,
        "invocation_id": request,
        "invocation_source": constant("canvas", n),
        "is_error": bernoulli(rng, rates.error_rate, n),
    }
    times = window.uniform_times(rng, n)
    everyone = np.arange(n)
    maker.emit(
        "agentconsole.AgentExecuted",
        runs,
        everyone,
        times,
        duration=rng.integers(300, 8000, n),
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        cache_tokens=np.zeros(n, dtype=np.int64),
        reasoning_tokens=np.zeros(n, dtype=np.int64),
        model_provider=Coded.of(model, [m[0] for m in MODELS]),
        model_name=Coded.of(model, [m[1] for m in MODELS]),
        cache_hit=np.zeros(n, dtype=bool),
        llm_owned_by_customer=np.zeros(n, dtype=bool),
    )
    calls = np.repeat(everyone, rng.poisson(rates.tool_calls_per_execution, n))
    k = len(calls)
    maker.emit(
        "agentconsole.ToolInvocation",
        runs,
        calls,
        later(rng, times[calls], 1, 5),
        tool_call_id=Ids(
            key_base(config.seed, "tool_call", maker.chunk) + np.arange(k, dtype=np.uint64)
        ),
        duration=rng.integers(20, 1500, k),
        tool_name=choice(rng, TOOLS, k),
        tool_arguments=constant('{"limit":5}', k),
        is_error=np.zeros(k, dtype=bool),
    )
