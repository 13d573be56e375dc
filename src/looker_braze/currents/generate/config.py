"""The generator's configuration: the "truth" synthetic Currents are drawn from.

It is written verbatim to ``currents-config.json`` beside the files, so tests of the analytics can
check that they recover these rates. Every probability is per message or per user-day as
documented on its field; unknown keys are refused so a typo never silently means a default.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_RETENTION = [1.0, 0.42, 0.33, 0.29, 0.26, 0.24, 0.23, 0.22] + [
    round(0.21 - 0.003 * day, 3) for day in range(24)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmailConfig(_Strict):
    campaigns: list[str] = [f"Email Campaign {n}" for n in range(1, 9)]
    canvases: list[str] = ["Onboarding Canvas", "Winback Canvas"]
    canvas_share: float = Field(0.3, ge=0.0, le=1.0)  # P(a message comes from a canvas)
    sends_per_user_per_week: float = Field(2.0, ge=0.0)
    bounce_rate: float = Field(0.02, ge=0.0, le=1.0)  # P(hard bounce | send)
    soft_bounce_rate: float = Field(0.01, ge=0.0, le=1.0)  # P(soft bounce | send)
    open_rate: float = Field(0.35, ge=0.0, le=1.0)  # P(>= 1 open | delivery)
    click_rate: float = Field(0.08, ge=0.0, le=1.0)  # P(>= 1 click | delivery); implies an open
    spam_rate: float = Field(0.002, ge=0.0, le=1.0)  # P(spam report | delivery)
    unsubscribe_rate: float = Field(0.004, ge=0.0, le=1.0)  # P(unsubscribe | delivery)
    # Share of Open events that a mail privacy proxy or scanner made (machine_open = "true").
    # They come on top of people's opens of the same email, so the unique open rate is
    # open_rate with or without them; what leaving them out changes is the total opens.
    machine_open_share: float = Field(0.1, ge=0.0, lt=1.0)
    # Share of Click events Braze flags is_suspected_bot_click, likewise on top of people's clicks.
    bot_click_share: float = Field(0.05, ge=0.0, lt=1.0)
    deferral_rate: float = Field(0.03, ge=0.0, le=1.0)  # P(deferred before delivery | delivery)
    retry_rate: float = Field(0.01, ge=0.0, le=1.0)  # P(send retried | send)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)  # aborted messages per send

    @model_validator(mode="after")
    def _consistent(self) -> EmailConfig:
        if not self.campaigns and not (self.canvases and self.canvas_share > 0):
            raise ValueError("email needs at least one campaign (or canvases with canvas_share)")
        if self.bounce_rate + self.soft_bounce_rate > 1:
            raise ValueError("email bounce_rate + soft_bounce_rate must not exceed 1")
        if self.click_rate > self.open_rate:
            raise ValueError("email click_rate cannot exceed open_rate: a click implies an open")
        return self


class PushConfig(_Strict):
    campaigns: list[str] = [f"Push Campaign {n}" for n in range(1, 6)]
    sends_per_user_per_week: float = Field(1.0, ge=0.0)
    bounce_rate: float = Field(0.05, ge=0.0, le=1.0)  # P(bounce | send)
    open_rate: float = Field(0.12, ge=0.0, le=1.0)  # P(open | delivered push)
    # P(the push arrives while the iOS app is in the foreground | delivered to iOS)
    ios_foreground_rate: float = Field(0.03, ge=0.0, le=1.0)
    retry_rate: float = Field(0.01, ge=0.0, le=1.0)  # P(send retried | send)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)  # aborted messages per send

    @model_validator(mode="after")
    def _campaigns(self) -> PushConfig:
        if self.sends_per_user_per_week > 0 and not self.campaigns:
            raise ValueError("push needs at least one campaign when it sends")
        return self


class PhoneChannelConfig(_Strict):
    """SMS, WhatsApp, RCS or LINE: sends, then delivery, reads, clicks, replies, opt-outs."""

    campaigns: list[str] = []
    sends_per_user_per_week: float = Field(0.5, ge=0.0)
    # SMS: P(rejected by Braze or the carrier | send); the rest go to the carrier (CarrierSend).
    # RCS: P(Rejection | send). Unused by WhatsApp and LINE.
    rejection_rate: float = Field(0.0, ge=0.0, le=1.0)
    # P(Delivery | not rejected); the rest are DeliveryFailure (SMS) or Failure (WhatsApp).
    # LINE reports no delivery: its sends count as delivered.
    delivery_rate: float = Field(1.0, ge=0.0, le=1.0)
    read_rate: float = Field(0.0, ge=0.0, le=1.0)  # P(Read | delivery): WhatsApp and RCS
    click_rate: float = Field(0.0, ge=0.0, le=1.0)  # P(>= 1 human click | delivery)
    bot_click_share: float = Field(0.0, ge=0.0, lt=1.0)  # share of clicks flagged as bots
    reply_rate: float = Field(0.0, ge=0.0, le=1.0)  # P(inbound reply | delivery)
    opt_out_rate: float = Field(0.0, ge=0.0, le=1.0)  # P(inbound STOP | delivery), SMS
    retry_rate: float = Field(0.0, ge=0.0, le=1.0)  # P(send retried | send)
    abort_rate: float = Field(0.0, ge=0.0, le=1.0)  # aborted messages per send


class SmsConfig(PhoneChannelConfig):
    campaigns: list[str] = ["SMS Campaign 1", "SMS Campaign 2"]
    rejection_rate: float = Field(0.02, ge=0.0, le=1.0)
    delivery_rate: float = Field(0.95, ge=0.0, le=1.0)
    click_rate: float = Field(0.06, ge=0.0, le=1.0)
    bot_click_share: float = Field(0.05, ge=0.0, lt=1.0)
    reply_rate: float = Field(0.03, ge=0.0, le=1.0)
    opt_out_rate: float = Field(0.01, ge=0.0, le=1.0)
    retry_rate: float = Field(0.01, ge=0.0, le=1.0)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)


class WhatsAppConfig(PhoneChannelConfig):
    campaigns: list[str] = ["WhatsApp Campaign 1"]
    sends_per_user_per_week: float = Field(0.3, ge=0.0)
    delivery_rate: float = Field(0.97, ge=0.0, le=1.0)
    read_rate: float = Field(0.7, ge=0.0, le=1.0)
    click_rate: float = Field(0.1, ge=0.0, le=1.0)
    reply_rate: float = Field(0.05, ge=0.0, le=1.0)
    retry_rate: float = Field(0.01, ge=0.0, le=1.0)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)


class RcsConfig(PhoneChannelConfig):
    campaigns: list[str] = ["RCS Campaign 1"]
    sends_per_user_per_week: float = Field(0.2, ge=0.0)
    rejection_rate: float = Field(0.03, ge=0.0, le=1.0)
    read_rate: float = Field(0.6, ge=0.0, le=1.0)
    click_rate: float = Field(0.12, ge=0.0, le=1.0)
    bot_click_share: float = Field(0.05, ge=0.0, lt=1.0)
    reply_rate: float = Field(0.04, ge=0.0, le=1.0)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)


class LineConfig(PhoneChannelConfig):
    campaigns: list[str] = ["LINE Campaign 1"]
    sends_per_user_per_week: float = Field(0.2, ge=0.0)
    click_rate: float = Field(0.08, ge=0.0, le=1.0)
    reply_rate: float = Field(0.03, ge=0.0, le=1.0)
    retry_rate: float = Field(0.01, ge=0.0, le=1.0)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)


class InAppConfig(_Strict):
    """In-app messages, shown in app sessions."""

    campaigns: list[str] = ["In-App Campaign 1", "In-App Campaign 2", "In-App Campaign 3"]
    impression_rate: float = Field(0.15, ge=0.0, le=1.0)  # P(an impression | session)
    click_rate: float = Field(0.2, ge=0.0, le=1.0)  # P(Click | impression)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)  # aborted messages per impression


class SurfaceConfig(_Strict):
    """Content cards and banners: impressions, clicks, dismissals."""

    campaigns: list[str] = []
    # Banners: impressions per user-week; content cards: sends per user-week.
    per_user_per_week: float = Field(0.5, ge=0.0)
    impression_rate: float = Field(1.0, ge=0.0, le=1.0)  # cards: P(Impression | sent)
    # P(... | impression), each drawn independently: a card or banner is clicked or dismissed
    # only once seen (content cards: the unique click rate over unique impressions).
    click_rate: float = Field(0.1, ge=0.0, le=1.0)
    dismiss_rate: float = Field(0.0, ge=0.0, le=1.0)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)  # aborted messages per impression (send)


class ContentCardConfig(SurfaceConfig):
    campaigns: list[str] = ["Content Card Campaign 1", "Content Card Campaign 2"]
    impression_rate: float = Field(0.5, ge=0.0, le=1.0)
    dismiss_rate: float = Field(0.08, ge=0.0, le=1.0)
    # Mean extra impressions of a seen card (Poisson): a card stays in the feed and is seen
    # again, so impressions exceed unique impressions (users who saw it).
    repeat_impressions: float = Field(0.5, ge=0.0)


class BannerConfig(SurfaceConfig):
    campaigns: list[str] = ["Banner Campaign 1"]
    per_user_per_week: float = Field(1.0, ge=0.0)
    click_rate: float = Field(0.05, ge=0.0, le=1.0)
    dismiss_rate: float = Field(0.03, ge=0.0, le=1.0)


class WebhookConfig(_Strict):
    campaigns: list[str] = ["Webhook Campaign 1"]
    sends_per_user_per_week: float = Field(0.25, ge=0.0)
    failure_rate: float = Field(0.05, ge=0.0, le=1.0)  # P(>= 1 failed attempt | send)
    # P(a failed send is given up | failed): a Failure with is_terminal; else a Retry follows.
    terminal_share: float = Field(0.3, ge=0.0, le=1.0)
    abort_rate: float = Field(0.01, ge=0.0, le=1.0)  # aborted messages per send


EXIT_REASONS = ("MatchedAudience", "PerformedEvent")  # Braze's users.canvas.exit.<Reason>


class CanvasJourneyConfig(_Strict):
    """Canvas journeys: entries, steps, exits by reason, an experiment split."""

    canvases: list[str] = ["Journey Canvas 1", "Journey Canvas 2"]
    entry_rate: float = Field(0.3, ge=0.0, le=1.0)  # P(a user enters a canvas in the window)
    control_share: float = Field(0.1, ge=0.0, le=1.0)  # P(entry held in the control group)
    steps: int = Field(4, ge=1, le=20)
    progression_rate: float = Field(0.8, ge=0.0, le=1.0)  # P(step k+1 | step k), not exited
    # P(exit at a step | at that step), by Braze's exit reasons (exit.<Reason> events).
    exit_rates: dict[str, float] = {"MatchedAudience": 0.05, "PerformedEvent": 0.05}
    splits: list[str] = ["Path A", "Path B"]  # the experiment step's paths, after step 1
    split_shares: list[float] = [0.5, 0.5]
    conversion_rates: list[float] = [0.1, 0.15]  # P(conversion | entered that path)
    # P(a users.canvas.Conversion | entered, not held out) and P(... | held in the control
    # group): the Canvas's lift over its control group, once per entry.
    canvas_conversion_rate: float = Field(0.2, ge=0.0, le=1.0)
    control_conversion_rate: float = Field(0.1, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _splits(self) -> CanvasJourneyConfig:
        if not self.canvases:
            raise ValueError("canvas journeys need at least one canvas")
        if not len(self.splits) == len(self.split_shares) == len(self.conversion_rates):
            raise ValueError("canvas splits, split_shares and conversion_rates differ in length")
        if abs(sum(self.split_shares) - 1) > 1e-9:
            raise ValueError("canvas split_shares must add up to 1")
        unknown = set(self.exit_rates) - set(EXIT_REASONS)
        if unknown:
            raise ValueError(f"unknown canvas exit reasons {sorted(unknown)}: use {EXIT_REASONS}")
        if sum(self.exit_rates.values()) > 1:
            raise ValueError("canvas exit_rates must add up to at most 1")
        return self


class CampaignConfig(_Strict):
    """Email campaign conversions against their control groups (lift).

    A campaign's treatment is the users it was sent to; its control group is drawn from the
    users it was not sent to (Braze holds control users out of the send), sized so that it is
    ``control_share`` of the campaign's audience (treatment + control). Each treatment and each
    control user converts at most once per campaign, so the planted lift is
    ``conversion_rate - control_conversion_rate`` (relative: over ``control_conversion_rate``).
    """

    # P(a user sent the campaign converts on it); canvas emails: P(conversion | delivered).
    conversion_rate: float = Field(0.06, ge=0.0, le=1.0)
    control_share: float = Field(0.1, ge=0.0, lt=1.0)  # control users / (treatment + control)
    control_conversion_rate: float = Field(0.03, ge=0.0, le=1.0)  # P(conversion | in control)


class AccountConfig(_Strict):
    """Per-user account events over the whole window."""

    subscription_group_opt_in_rate: float = Field(0.05, ge=0.0, le=1.0)  # P(user opts in)
    # P(user leaves the email subscription group; SMS users leave theirs by replying STOP)
    subscription_group_opt_out_rate: float = Field(0.02, ge=0.0, le=1.0)
    # Global subscription states (subscription.GlobalStateChange) besides the email
    # unsubscribes that email Unsubscribe events bring: P(user's state changes to ...).
    email_opt_in_rate: float = Field(0.02, ge=0.0, le=1.0)  # email "Opted In"
    push_opt_in_rate: float = Field(0.04, ge=0.0, le=1.0)  # push "Opted In"
    push_unsubscribe_rate: float = Field(0.01, ge=0.0, le=1.0)  # push "Unsubscribed"
    profile_updates_per_user_per_week: float = Field(0.3, ge=0.0)
    push_token_change_rate: float = Field(0.2, ge=0.0, le=1.0)  # P(user's token changes)
    random_bucket_update_rate: float = Field(0.01, ge=0.0, le=1.0)
    delete_request_rate: float = Field(0.003, ge=0.0, le=1.0)
    orphan_rate: float = Field(0.01, ge=0.0, le=1.0)  # merged into another profile


class FeatureFlagConfig(_Strict):
    flags: list[str] = ["new_checkout", "dark_mode"]
    impressions_per_user_per_week: float = Field(0.5, ge=0.0)


class LiveActivityConfig(_Strict):
    """iOS live activities: sends to iOS users and their outcomes."""

    sends_per_ios_user_per_week: float = Field(0.2, ge=0.0)
    success_rate: float = Field(0.9, ge=0.0, le=1.0)  # P(Outcome "Success" | send); else failure


class AgentConfig(_Strict):
    agents: list[str] = ["Support Agent", "Recommendations Agent"]
    executions_per_user_per_week: float = Field(0.05, ge=0.0)
    tool_calls_per_execution: float = Field(1.5, ge=0.0)  # Poisson mean
    error_rate: float = Field(0.02, ge=0.0, le=1.0)


class RetentionConfig(_Strict):
    # day[d] = P(user has a session on local day d after their first-session local day); day[0]=1.
    day: list[float] = DEFAULT_RETENTION
    # Days after the last entry of `day` use this probability (default: the last entry).
    tail: float | None = Field(None, ge=0.0, le=1.0)

    @field_validator("day")
    @classmethod
    def _curve(cls, day: list[float]) -> list[float]:
        if not day or day[0] != 1.0:
            raise ValueError("retention.day must start with 1.0 (everyone is active on day 0)")
        if any(not 0.0 <= p <= 1.0 for p in day):
            raise ValueError("retention.day entries are probabilities between 0 and 1")
        return day

    def probability(self, days_after: int) -> float:
        if days_after < len(self.day):
            return self.day[days_after]
        return self.day[-1] if self.tail is None else self.tail


class AudiencePlant(_Strict):
    """A Looker audience's planted response (the closed loop): after a member joined, each email
    delivered to them is engaged with (a person's open) ``open_lift`` more often than the email
    open rate; before joining, and for everyone else, at the open rate. In each week (7 days
    from the join) after joining, a member also makes a Canvas conversion with probability
    ``conversion_lift`` and unsubscribes from email (a global state change) with probability
    ``unsubscribe_lift``, on top of the conversions and unsubscribes everyone has (so a member's
    weekly rate is ``b + lift * (1 - b)`` for everyone's weekly rate ``b``). Members are generated
    users named by any identifier but an alias (the simulator's and the generator's users share
    them: ``user-00000042``, ``user42@example.com``, ``+15550000042``, the Braze id), with the
    epoch second each joined, as the audience export has them."""

    label: str
    joined: dict[str, int]  # external_id or E.164 phone -> joined_time (UTC epoch seconds)
    open_lift: float = Field(0.2, ge=0.0, le=1.0)
    conversion_lift: float = Field(0.0, ge=0.0, le=1.0)  # P(planted conversion | member-week)
    unsubscribe_lift: float = Field(0.0, ge=0.0, le=1.0)  # P(planted unsubscribe | member-week)


class GeneratorConfig(_Strict):
    seed: int = 7
    users: int = Field(5000, ge=1)
    days: int = Field(28, ge=1, le=3660)
    start_date: dt.date = dt.date(2024, 1, 1)  # UTC
    timezone: str = "America/New_York"  # local days of sessions (the blocks' bucketing zone)
    email: EmailConfig = Field(default_factory=EmailConfig)
    push: PushConfig = Field(default_factory=PushConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    sms: SmsConfig = Field(default_factory=SmsConfig)
    whatsapp: WhatsAppConfig = Field(default_factory=WhatsAppConfig)
    rcs: RcsConfig = Field(default_factory=RcsConfig)
    line: LineConfig = Field(default_factory=LineConfig)
    in_app: InAppConfig = Field(default_factory=InAppConfig)
    content_cards: ContentCardConfig = Field(default_factory=ContentCardConfig)
    banners: BannerConfig = Field(default_factory=BannerConfig)
    webhooks: WebhookConfig = Field(default_factory=WebhookConfig)
    canvas_journeys: CanvasJourneyConfig = Field(default_factory=CanvasJourneyConfig)
    campaign_conversions: CampaignConfig = Field(default_factory=CampaignConfig)
    accounts: AccountConfig = Field(default_factory=AccountConfig)
    feature_flags: FeatureFlagConfig = Field(default_factory=FeatureFlagConfig)
    live_activities: LiveActivityConfig = Field(default_factory=LiveActivityConfig)
    agents: AgentConfig = Field(default_factory=AgentConfig)
    duplicate_rate: float = Field(0.01, ge=0.0, le=1.0)  # P(an event is delivered twice)
    late_rate: float = Field(0.02, ge=0.0, le=1.0)  # P(queued 1-48 h after its time)
    events_per_file: int = Field(15000, ge=1)  # Braze rolls files at 15,000 events
    deflate_share: float = Field(0.2, ge=0.0, le=1.0)  # share of files written deflate
    schema_v2_from_day: int = Field(14, ge=0)  # files queued from this day on use schema v2
    cluster: str = "sdk-us-03"
    integration_id: str = "5f1a2b3c4d5e6f7a8b9c0d1e"
    users_per_chunk: int = Field(50_000, ge=1)  # bounds the generator's memory
    audience: AudiencePlant | None = None  # a Looker audience's planted response

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {zone!r}") from None
        return zone

    @model_validator(mode="after")
    def _lift_fits(self) -> GeneratorConfig:
        if self.audience is not None and self.email.open_rate + self.audience.open_lift > 1:
            raise ValueError("email open_rate + audience open_lift must not exceed 1")
        return self

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")
