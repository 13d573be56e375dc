"""The Braze Currents event types, their Avro writer schemas and the warehouse names they map to.

Each event type is declared once as a list of field specs in a small notation,
``name[?][:type]``: ``?`` marks a nullable field (Avro ``["null", type]`` with default null), the
type defaults to ``string`` and ``[string]`` / ``[string?]`` is an array of (nullable) strings.
Inside one declaration a name given again replaces the earlier spec in place (``platform`` after a
group that has ``platform?``), and ``-name`` drops a field a shared group brought in, so a
declaration reads as "this group, plus or minus these fields".

Two schema versions:
- version 1 is the 2018 schema the two Looker Blocks were written against (``_FIRST``), for the 31
  types that existed then; a type Braze added later has its current schema as version 1 too;
- version 2 (``LATEST_VERSION``) is the current catalogue (``_CURRENT``: Braze's "Currents v10"
  sample files, Appboy/currents-examples, read 2026-12; field names and Avro types as there). It
  keeps every version-1 field first and unchanged and adds the rest, all nullable: Braze only ever
  adds null-default fields, and one warehouse table then serves files of both versions.

The generator writes with these schemas, the loader maps whatever schema a file carries to
warehouse types with ``sql_type``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

NAMESPACE = "com.braze.currents.avro.inner"
LATEST_VERSION = 2

# --- The 2018 schemas (version 1) of the types the blocks read --------------------------------

_M = (
    "id user_id external_user_id? time:int timezone? campaign_id? campaign_name? "
    "message_variation_id? canvas_id? canvas_name? canvas_variation_id? canvas_step_id? send_id?"
)
_D = "platform? os_version? device_model? device_id?"
_E = f"{_M} email_address"
_PUSH_OPEN_2018 = f"{_M} app_id {_D} button_action_type? button_string?"
_IN_APP_2018 = f"{_M} app_id card_id? {_D}"
_CARD_2018 = f"{_M} content_card_id app_id? {_D}"
_CONVERSION_2018 = "id user_id external_user_id? app_id? time:int timezone?"
_CAMPAIGN_2018 = "campaign_id campaign_name? message_variation_id? send_id?"
_CANVAS_2018 = "canvas_id canvas_name? canvas_variation_id canvas_step_id?"
_BEHAVIOUR_2018 = "id user_id external_user_id? app_id time:int session_id"

_FIRST: dict[str, str] = {
    "users.messages.email.Send": _E,
    "users.messages.email.Delivery": f"{_E} sending_ip?",
    "users.messages.email.Open": f"{_E} user_agent?",
    "users.messages.email.Click": f"{_E} url? user_agent?",
    "users.messages.email.Bounce": f"{_E} sending_ip?",
    "users.messages.email.SoftBounce": f"{_E} sending_ip?",
    "users.messages.email.MarkAsSpam": f"{_E} user_agent?",
    "users.messages.email.Unsubscribe": _E,
    "users.messages.pushnotification.Send": f"{_M} app_id platform device_id?",
    "users.messages.pushnotification.Open": f"{_PUSH_OPEN_2018} canvas_step_message_variation_id?",
    "users.messages.pushnotification.Bounce": f"{_M} app_id platform? device_id?",
    "users.messages.pushnotification.IosForeground": _PUSH_OPEN_2018,
    "users.messages.inappmessage.Impression": _IN_APP_2018,
    "users.messages.inappmessage.Click": f"{_IN_APP_2018} button_id?",
    "users.messages.webhook.Send": _M,
    "users.messages.contentcard.Send": f"{_M} content_card_id",
    "users.messages.contentcard.Impression": _CARD_2018,
    "users.messages.contentcard.Click": _CARD_2018,
    "users.messages.contentcard.Dismiss": _CARD_2018,
    "users.campaigns.Conversion": (
        f"{_CONVERSION_2018} {_CAMPAIGN_2018} conversion_behavior_index?:int conversion_behavior?"
    ),
    "users.campaigns.EnrollInControl": f"{_CONVERSION_2018} {_CAMPAIGN_2018}",
    "users.canvas.Entry": (
        f"id user_id external_user_id? time:int timezone? {_CANVAS_2018} in_control_group:boolean"
    ),
    "users.canvas.Conversion": (
        f"{_CONVERSION_2018} {_CANVAS_2018} conversion_behavior_index?:int conversion_behavior?"
    ),
    "users.behaviors.app.FirstSession": (
        f"{_BEHAVIOUR_2018} {_D} gender? country? timezone? language? sdk_version?"
    ),
    "users.behaviors.app.SessionStart": f"{_BEHAVIOUR_2018} {_D}",
    # Duration, price and coordinates are Avro float in Braze's files (as in 2018).
    "users.behaviors.app.SessionEnd": f"{_BEHAVIOUR_2018} {_D} duration?:float",
    "users.behaviors.CustomEvent": (
        f"id user_id external_user_id? app_id? time:int {_D} name properties"
    ),
    "users.behaviors.Purchase": (
        f"id user_id external_user_id? app_id? time:int {_D} "
        "product_id price:float currency properties"
    ),
    "users.behaviors.Location": (
        f"id user_id external_user_id? app_id? time:int {_D} latitude:float "
        "longitude:float altitude?:float ll_accuracy?:float alt_accuracy?:float"
    ),
    "users.behaviors.InstallAttribution": "id user_id external_user_id? time:int source",
    "users.behaviors.Uninstall": "id user_id external_user_id? time:int app_id",
}

# --- The current catalogue (version 2): Braze's Currents v10 sample files ---------------------
# Shared field groups, as Braze repeats them across types.

_WHO = "id user_id external_user_id? app_group_id? time:int"
_CAMPAIGN = "campaign_id? campaign_name? message_variation_id? message_variation_name?"
_CANVAS = (
    "canvas_id? canvas_name? canvas_variation_id? canvas_variation_name? "
    "canvas_step_id? canvas_step_name?"
)
_SOURCE = f"{_CAMPAIGN} {_CANVAS}"  # which campaign or Canvas step a message came from
_STEP_VARIATION = "canvas_step_message_variation_id?"
_MESSAGE = f"{_WHO} timezone? {_SOURCE} send_id?"
_DISPATCHED = f"{_MESSAGE} dispatch_id?"
_DEVICE = "platform? os_version? device_model? device_id?"
_AD = "ad_id? ad_id_type? ad_tracking_enabled?:boolean"
_PROFILE = "gender? country? timezone? language?"
_SDK = "sdk_version? resolution? carrier? browser?"
_ABORT = "abort_type? abort_log?"
_RETRY = "retry_type? retry_log?"
_ESP = "ip_pool? esp? from_domain?"
_MAIL_CLIENT = "device_class? device_os? device_model? browser? mailbox_provider?"
# Braze flags clicks it suspects were made by a bot (link scanners); its dashboards leave them out.
_BOT = "is_suspected_bot_click?:boolean suspected_bot_click_reason?:[string]"
_SMS = f"{_DISPATCHED} to_phone_number? subscription_group_id?"
_SMS_LATE = f"{_WHO} {_SOURCE} {_STEP_VARIATION} subscription_group_id?"
_SMS_ERROR = "error? provider_error_code? is_sms_fallback?:boolean"
_WHATSAPP = (
    f"{_DISPATCHED} time:long device_id? subscription_group_id? {_STEP_VARIATION} bsuid? "
    "to_phone_number? from_phone_number flow_id? template_name? message_id?"
)
_WHATSAPP_LATE = f"{_WHO} device_id? timezone? subscription_group_id? {_SOURCE} {_STEP_VARIATION}"
_RCS = f"{_WHO} {_SOURCE} {_STEP_VARIATION} subscription_group_id?"
_RCS_SENT = f"{_RCS} device_id? dispatch_id? send_id? to_phone_number"
# LINE events name only the campaign and the Canvas step.
_LINE = (
    f"{_WHO} timezone? campaign_id? campaign_name? message_variation_id? canvas_id? "
    f"canvas_variation_id? canvas_step_id? canvas_step_name? {_STEP_VARIATION} device_id? "
    "dispatch_id? send_id? subscription_group_id? native_line_id line_channel_id line_channel_name"
)
_IN_APP = f"{_MESSAGE} app_id card_id? {_DEVICE} {_AD}"
_CARD = f"{_MESSAGE} content_card_id app_id {_DEVICE} {_AD}"
_BANNER = (
    f"{_WHO} app_id? {_SOURCE} {_STEP_VARIATION} {_PROFILE} {_SDK} {_DEVICE} {_AD} "
    "banner_placement_id?"
)
_HOOK = f"{_WHO} {_SOURCE} {_STEP_VARIATION} send_id? dispatch_id?"
_LIVE = (
    "id user_id external_user_id? app_group_id? app_id? time:int activity_id? "
    "activity_attributes_type? push_to_start_token? update_token? live_activity_event_type?"
)
_LIVE_TOKEN = (
    "id user_id external_user_id? app_group_id? app_id? time:int device_id? sdk_version? "
    "ios_push_token_apns_gateway?:int push_token_state_change_type?"
)
_CANVAS_REQUIRED = "canvas_id canvas_variation_id"
_CANVAS_EXIT = (
    f"{_WHO} app_group_id app_group_api_id? {_CANVAS} {_CANVAS_REQUIRED} "
    "canvas_api_id? canvas_variation_api_id? canvas_step_api_id?"
)
_EXPERIMENT = (
    f"{_WHO} -app_group_id {_CANVAS} experiment_step_id? experiment_split_id? "
    "experiment_split_name?"
)
_CONVERSION = "conversion_behavior_index?:int conversion_behavior?"
_CAMPAIGN_EVENT = (
    f"{_WHO} app_id? timezone? {_CAMPAIGN} campaign_id send_id?"  # campaign_id required
)
_SUBSCRIPTION = f"{_WHO} email_address? app_id? timezone? {_SOURCE} send_id? channel?"
_SUBSCRIPTION_CHANGE = "subscription_status state_change_source? channel_identifier?"

_CURRENT: dict[str, str] = {
    # Email
    "users.messages.email.Send": (
        f"{_DISPATCHED} email_address ip_pool? from_domain? message_extras?"
    ),
    "users.messages.email.Delivery": f"{_DISPATCHED} email_address sending_ip? {_ESP}",
    "users.messages.email.Open": (
        # machine_open: "true" when a mail privacy proxy or scanner opened it, not a person.
        f"{_DISPATCHED} email_address user_agent? {_ESP} machine_open? is_amp?:boolean "
        f"{_MAIL_CLIENT}"
    ),
    "users.messages.email.Click": (
        f"{_DISPATCHED} email_address url? user_agent? {_ESP} link_id? link_alias? "
        f"is_amp?:boolean {_MAIL_CLIENT} {_BOT}"
    ),
    "users.messages.email.Bounce": (
        f"{_DISPATCHED} email_address sending_ip? {_ESP} bounce_reason? is_drop?:boolean"
    ),
    "users.messages.email.SoftBounce": (
        f"{_DISPATCHED} email_address sending_ip? {_ESP} bounce_reason?"
    ),
    "users.messages.email.MarkAsSpam": f"{_DISPATCHED} email_address user_agent? {_ESP}",
    "users.messages.email.Unsubscribe": f"{_DISPATCHED} email_address ip_pool?",
    "users.messages.email.Deferral": (
        f"{_DISPATCHED} email_address {_STEP_VARIATION} recipient_domain? {_ESP} sending_ip? "
        "deferral_reason? attempt_count?:int"
    ),
    "users.messages.email.Retry": (
        f"{_DISPATCHED} email_address {_STEP_VARIATION} {_PROFILE} ip_pool? device_id? {_RETRY}"
    ),
    "users.messages.email.Abort": (
        f"{_DISPATCHED} email_address {_STEP_VARIATION} ip_pool? device_id? {_ABORT}"
    ),
    # Push
    "users.messages.pushnotification.Send": (
        f"{_DISPATCHED} app_id platform device_id? {_AD} message_extras? push_token? locale_key?"
    ),
    "users.messages.pushnotification.Open": (
        f"{_DISPATCHED} app_id {_STEP_VARIATION} {_DEVICE} button_action_type? button_string? {_AD}"
    ),
    "users.messages.pushnotification.Bounce": (
        f"{_DISPATCHED} app_id platform? device_id? {_AD} push_token?"
    ),
    "users.messages.pushnotification.IosForeground": (
        f"{_DISPATCHED} app_id platform device_id? {_AD}"
    ),
    "users.messages.pushnotification.Retry": (
        f"{_DISPATCHED} -timezone app_id? device_id? {_STEP_VARIATION} {_PROFILE} platform {_RETRY}"
    ),
    "users.messages.pushnotification.Abort": (
        f"{_DISPATCHED} app_id? platform device_id? {_STEP_VARIATION} {_ABORT}"
    ),
    "users.behaviors.pushnotification.TokenStateChange": (
        f"{_WHO} app_id? time_ms?:long platform? push_token? sdk_version? push_token_device_id? "
        "push_token_created_at?:int push_token_updated_at?:int web_push_token_user_auth? "
        "web_push_token_public_key? ios_push_token_apns_gateway?:int "
        "push_token_state_change_type? web_push_token_vapid_public_key? "
        "push_token_provisionally_opted_in?:boolean push_token_foreground_push_disabled?:boolean"
    ),
    # SMS
    "users.messages.sms.Send": f"{_SMS} category? message_extras?",
    "users.messages.sms.CarrierSend": f"{_SMS} from_phone_number?",
    "users.messages.sms.Delivery": f"{_SMS} from_phone_number? is_sms_fallback?:boolean",
    "users.messages.sms.DeliveryFailure": f"{_SMS} {_SMS_ERROR}",
    "users.messages.sms.Rejection": f"{_SMS} from_phone_number? {_SMS_ERROR}",
    "users.messages.sms.InboundReceive": (
        f"{_WHO} user_id? app_group_id {_SOURCE} user_phone_number subscription_group_id? "
        "inbound_phone_number action message_body media_urls?:[string?]"
    ),
    "users.messages.sms.ShortLinkClick": (
        f"{_WHO} timezone? {_SOURCE} url short_url user_agent? user_phone_number? {_BOT}"
    ),
    "users.messages.sms.Retry": f"{_SMS_LATE} {_RETRY}",
    "users.messages.sms.Abort": f"{_SMS_LATE} {_ABORT}",
    # WhatsApp
    "users.messages.whatsapp.Send": f"{_WHATSAPP} -canvas_variation_name message_extras?",
    "users.messages.whatsapp.Delivery": _WHATSAPP,
    "users.messages.whatsapp.Read": _WHATSAPP,
    "users.messages.whatsapp.Failure": f"{_WHATSAPP} provider_error_code provider_error_title",
    "users.messages.whatsapp.Click": (
        f"{_WHO} device_id? timezone? {_SOURCE} {_STEP_VARIATION} url short_url user_agent? "
        "user_phone_number?"
    ),
    "users.messages.whatsapp.InboundReceive": (
        f"{_WHATSAPP_LATE} time:long user_id? user_phone_number? inbound_phone_number "
        "message_body? quick_reply_text? media_urls?:[string?] action catalog_id? product_id? "
        "flow_id? flow_response_json? message_id? in_reply_to? bsuid?"
    ),
    "users.messages.whatsapp.Retry": (
        f"{_WHATSAPP_LATE} to_phone_number? dispatch_id? {_RETRY} bsuid?"
    ),
    "users.messages.whatsapp.Abort": (
        f"{_WHATSAPP_LATE} time:long to_phone_number? dispatch_id? {_ABORT} bsuid?"
    ),
    # RCS
    "users.messages.rcs.Send": f"{_RCS_SENT} from_rcs_sender? category? message_extras?",
    "users.messages.rcs.Delivery": f"{_RCS_SENT} from_rcs_sender?",
    "users.messages.rcs.Read": f"{_RCS} -subscription_group_id to_phone_number",
    "users.messages.rcs.Click": (
        f"{_RCS} device_id? send_id? url? short_url? user_agent? user_phone_number? "
        f"interaction_type element_label? element_type? {_BOT}"
    ),
    "users.messages.rcs.Rejection": f"{_RCS_SENT} from_rcs_sender? {_SMS_ERROR}",
    "users.messages.rcs.InboundReceive": (
        f"{_RCS} user_id? send_id? user_phone_number to_rcs_sender action message_body "
        "media_urls?:[string?]"
    ),
    "users.messages.rcs.Abort": f"{_RCS} {_ABORT}",
    # LINE
    "users.messages.line.Send": f"{_LINE} message_extras?",
    "users.messages.line.Click": (
        f"{_LINE} url short_url user_agent? is_suspected_bot_click?:boolean"
    ),
    "users.messages.line.InboundReceive": f"{_LINE} media_id? message_body?",
    "users.messages.line.Retry": (
        f"{_LINE} native_line_id? line_channel_id? line_channel_name? {_RETRY}"
    ),
    "users.messages.line.Abort": f"{_LINE} {_ABORT}",
    # In-app messages, content cards, banners, feature flags
    "users.messages.inappmessage.Impression": f"{_IN_APP} message_extras? locale_key?",
    "users.messages.inappmessage.Click": f"{_IN_APP} button_id?",
    "users.messages.inappmessage.Abort": (
        f"{_IN_APP} app_id? dispatch_id? {_STEP_VARIATION} browser? carrier? resolution? "
        f"{_ABORT} version"
    ),
    "users.messages.contentcard.Send": f"{_MESSAGE} content_card_id device_id? message_extras?",
    "users.messages.contentcard.Impression": _CARD,
    "users.messages.contentcard.Click": _CARD,
    "users.messages.contentcard.Dismiss": _CARD,
    "users.messages.contentcard.Abort": (f"{_DISPATCHED} {_STEP_VARIATION} device_id? {_ABORT}"),
    "users.messages.banner.Impression": _BANNER,
    "users.messages.banner.Click": f"{_BANNER} button_id?",
    "users.messages.banner.Dismiss": f"{_BANNER} button_id?",
    "users.messages.banner.Abort": f"{_BANNER} {_ABORT}",
    "users.messages.featureflag.Impression": (
        f"{_WHO} app_id? {_SOURCE} {_STEP_VARIATION} feature_flag_id_name? {_PROFILE} {_SDK} "
        f"{_DEVICE}"
    ),
    # Webhooks
    "users.messages.webhook.Send": f"{_DISPATCHED} message_extras?",
    "users.messages.webhook.Failure": (
        f"{_HOOK} http_status_code?:int endpoint_url? content_length?:int host? raw_response? "
        "retry_count?:int url_path? webhook_duration?:int webhook_failure_source? "
        "is_terminal?:boolean"
    ),
    "users.messages.webhook.Retry": f"{_HOOK} device_id? {_PROFILE} {_RETRY}",
    "users.messages.webhook.Abort": (f"{_DISPATCHED} {_STEP_VARIATION} device_id? {_ABORT}"),
    # Live activities (iOS)
    "users.messages.liveactivity.Send": _LIVE,
    "users.messages.liveactivity.Outcome": f"{_LIVE} live_activity_event_outcome?",
    "users.behaviors.liveactivity.PushToStartTokenChange": (
        f"{_LIVE_TOKEN} activity_attributes_type? push_to_start_token?"
    ),
    "users.behaviors.liveactivity.UpdateTokenChange": f"{_LIVE_TOKEN} activity_id? update_token?",
    # Campaigns and Canvas journeys
    "users.campaigns.Conversion": f"{_CAMPAIGN_EVENT} {_CONVERSION}",
    "users.campaigns.EnrollInControl": _CAMPAIGN_EVENT,
    "users.canvas.Entry": (
        f"{_WHO} timezone? {_CANVAS} {_CANVAS_REQUIRED} in_control_group:boolean"
    ),
    "users.canvas.Conversion": (
        f"{_WHO} app_id? timezone? {_CANVAS} {_CANVAS_REQUIRED} {_CONVERSION}"
    ),
    "users.canvas.costep.Send": (
        f"{_WHO} dispatch_id? channel? canvas_variation_id? content_optimizer_step_id "
        "combination_token"
    ),
    "users.canvas.exit.MatchedAudience": _CANVAS_EXIT,
    "users.canvas.exit.PerformedEvent": _CANVAS_EXIT,
    "users.canvas.experimentstep.SplitEntry": f"{_EXPERIMENT} in_control_group:boolean",
    "users.canvas.experimentstep.Conversion": f"{_EXPERIMENT} app_id? {_CONVERSION}",
    "users.canvasstep.Progression": (
        f"{_WHO} device_id? {_CANVAS} progression_type is_canvas_entry?:boolean exit_reason? "
        "canvas_entry_id next_step_id?"
    ),
    # Behaviours
    "users.behaviors.CustomEvent": f"{_WHO} app_id? timezone? {_DEVICE} name properties {_AD}",
    "users.behaviors.Purchase": (
        f"{_WHO} app_id? {_DEVICE} product_id price:float currency properties {_AD}"
    ),
    "users.behaviors.Location": (
        f"{_WHO} app_id latitude:float longitude:float altitude?:float ll_accuracy?:float "
        f"alt_accuracy?:float {_DEVICE} {_AD}"
    ),
    "users.behaviors.InstallAttribution": f"{_WHO} source",
    "users.behaviors.Uninstall": f"{_WHO} device_id? app_id",
    "users.behaviors.app.FirstSession": (
        f"{_WHO} app_id session_id {_PROFILE} device_id? sdk_version? {_DEVICE}"
    ),
    "users.behaviors.app.SessionStart": f"{_WHO} app_id session_id {_DEVICE}",
    "users.behaviors.app.SessionEnd": f"{_WHO} app_id duration?:float session_id {_DEVICE}",
    "users.behaviors.subscription.GlobalStateChange": (
        f"{_SUBSCRIPTION} -message_variation_name {_SUBSCRIPTION_CHANGE}"
    ),
    "users.behaviors.subscriptiongroup.StateChange": (
        f"{_SUBSCRIPTION} phone_number? subscription_group_id {_SUBSCRIPTION_CHANGE} dispatch_id?"
    ),
    # Users
    "users.profile.Update": (
        f"{_WHO} time_ms:long app_id? update_source archived?:boolean first_name? last_name? "
        "email_address? gender? phone_number? dob? timezone? home_city? country? language? "
        "custom_attributes?"
    ),
    "users.RandomBucketNumberUpdate": (
        f"{_WHO} random_bucket_number:int prev_random_bucket_number?:int"
    ),
    "users.UserDeleteRequest": f"{_WHO} -external_user_id",
    "users.UserOrphan": f"{_WHO} device_id? app_id? orphaned_by_id",
    # BrazeAI agents (Agent Console); an agent may run without a user.
    "agentconsole.AgentExecuted": (
        f"{_WHO} -app_group_id time:long user_id? invocation_id request_id duration:int "
        "prompt_tokens:int completion_tokens:int total_tokens:int cache_tokens:int "
        "reasoning_tokens:int agent_id agent_name model_provider model_name provider_request_id? "
        f"cache_hit:boolean llm_owned_by_customer:boolean is_error:boolean {_CANVAS} input? "
        "output? invocation_source? error?"
    ),
    "agentconsole.ToolInvocation": (
        "id tool_call_id duration:int time:long agent_id agent_name is_error:boolean tool_name "
        "tool_arguments invocation_source? request_id?"
    ),
}

# What the fields that need explaining mean (Braze's Currents event glossary, braze-inc/braze-docs
# event_glossary/*.md, restated); the LookML views use these as descriptions.
DESCRIPTIONS: dict[str, str] = {
    "id": "Unique id of the event (deduplicate on it: Currents delivers at least once)",
    "user_id": "Braze id of the user",
    "external_user_id": "Your own id of the user",
    "app_group_id": "Braze id of the workspace",
    "time": "UTC epoch seconds of the event",
    "time_ms": "UTC epoch milliseconds of the event",
    "timezone": "The user's IANA time zone",
    "send_id": "Id of the send (a campaign's send identifier)",
    "dispatch_id": "Id of the dispatch (one run of a campaign or Canvas step) the message was in",
    "message_variation_id": "Id of the campaign's message variation the user received",
    "canvas_step_message_variation_id": "Id of the Canvas step's message variation",
    "canvas_variation_id": "Id of the Canvas variation the user is in",
    "canvas_step_id": "Id of the Canvas step",
    "machine_open": "Set (today to true) when an automated process opened the email, such as "
    "mail privacy proxies and pre-fetching by Apple or Google, not a person",
    "is_suspected_bot_click": "True when Braze suspects a bot made the click (filled only "
    "when bot filtering is on)",
    "suspected_bot_click_reason": "Why Braze suspects a bot (JSON array of reasons)",
    "abort_type": "Why the message was aborted (for example liquid_abort_message, quiet_hours)",
    "abort_log": "Details of the abort",
    "retry_type": "Why the send was retried",
    "bounce_reason": "The receiving server's reason for the bounce",
    "is_drop": "True when Braze dropped the email without trying to send it",
    "ip_pool": "IP pool the email was sent from",
    "esp": "Email service provider that sent the email",
    "from_domain": "Sending domain of the email",
    "mailbox_provider": "Mailbox provider of the recipient",
    "subscription_group_id": "Id of the subscription group the message was sent through",
    "to_phone_number": "Phone number the message was sent to",
    "user_phone_number": "The user's phone number",
    "inbound_phone_number": "Your number the user's message was sent to",
    "action": "Subscription action Braze took on the inbound message: Subscribed, Unsubscribed "
    "or None (no keyword matched)",
    "is_sms_fallback": "True when the message was sent by SMS as a fallback (RCS)",
    "provider_error_code": "Error code from the provider or carrier",
    "is_terminal": "True when Braze gave the webhook up (no more retries)",
    "progression_type": "How the user moved in the Canvas",
    "exit_reason": "Why the user left the Canvas",
    "in_control_group": "True when the user was held out in the control group",
    "experiment_split_id": "Id of the experiment path the user entered",
    "conversion_behavior": "The conversion event, as JSON text",
    "conversion_behavior_index": "Which conversion event of the campaign (0 = primary)",
    "subscription_status": "The new subscription state (Subscribed, Unsubscribed ...)",
    "state_change_source": "What changed the subscription state",
    "live_activity_event_outcome": "Outcome of the live activity update (Success ...)",
    "price": "Price of the purchase (Avro float)",
    "duration": "How long it took; for SessionEnd the session length in seconds",
}

EVENT_TYPES: tuple[str, ...] = tuple(_CURRENT)
# Retired by Braze and not in the current catalogue: users.messages.newsfeedcard.{Impression,
# Click} and users.behaviors.newsfeed.Impression.


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Avro primitive (string, int, long, float, double, boolean) or "[item]" / "[item?]"
    nullable: bool

    @classmethod
    def parse(cls, spec: str) -> Field:
        name, _, avro_type = spec.partition(":")
        return cls(name.rstrip("?"), avro_type or "string", name.endswith("?"))

    @property
    def is_array(self) -> bool:
        return self.type.startswith("[")

    def avro_type(self) -> str | dict[str, Any]:
        if not self.is_array:
            return self.type
        item = self.type.strip("[]")
        return {"type": "array", "items": ["null", item[:-1]] if item.endswith("?") else item}

    def avro(self) -> dict[str, Any]:
        if self.nullable:
            return {"name": self.name, "type": ["null", self.avro_type()], "default": None}
        return {"name": self.name, "type": self.avro_type()}


def _parse(declaration: str) -> tuple[Field, ...]:
    """Field specs in order; a repeated name replaces the earlier spec, ``-name`` drops it."""
    parsed: dict[str, Field] = {}
    for spec in declaration.split():
        if spec.startswith("-"):
            parsed.pop(spec[1:])
            continue
        field = Field.parse(spec)
        parsed[field.name] = field  # a dict keeps the first position of a replaced key
    return tuple(parsed.values())


@cache
def fields(event_type: str, version: int = LATEST_VERSION) -> tuple[Field, ...]:
    """The fields of ``event_type`` in schema ``version`` (1 = 2018, 2 = current catalogue).

    Version 2 is version 1 unchanged followed by the current fields version 1 lacks (nullable:
    Braze adds only optional fields), so one table holds files of both versions.
    """
    current = _parse(_CURRENT[event_type])
    if event_type not in _FIRST:
        return current
    first = _parse(_FIRST[event_type])
    if version < 2:
        return first
    known = {field.name for field in first}
    added = (f if f.nullable else Field(f.name, f.type, True) for f in current)
    return first + tuple(field for field in added if field.name not in known)


@cache
def writer_schema(event_type: str, version: int = LATEST_VERSION) -> dict[str, Any]:
    """The Avro writer schema Braze embeds in files of ``event_type`` (as a plain dict)."""
    group, _, record = event_type.rpartition(".")
    return {
        "type": "record",
        "name": record,
        "namespace": f"{NAMESPACE}.{group}",
        "fields": [field.avro() for field in fields(event_type, version)],
    }


def table_name(event_type: str) -> str:
    """`users.messages.email.Send` -> `USERS_MESSAGES_EMAIL_SEND`, the name the blocks expect."""
    return event_type.replace(".", "_").upper()


def event_type_from_record_name(full_name: str) -> str | None:
    """`com.braze...inner.users.messages.email.Send` -> `users.messages.email.Send` (or None)."""
    _, marker, event_type = full_name.rpartition(".inner.")
    return event_type if marker and event_type else None


TABLES: dict[str, str] = {table_name(event_type): event_type for event_type in EVENT_TYPES}

_SQL_TYPES = {
    "duckdb": {
        "string": "VARCHAR",
        "int": "BIGINT",
        "long": "BIGINT",
        "float": "DOUBLE",
        "double": "DOUBLE",
        "boolean": "BOOLEAN",
    },
    "postgres": {
        "string": "TEXT",
        "int": "BIGINT",
        "long": "BIGINT",
        "float": "DOUBLE PRECISION",
        "double": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
    },
}


def sql_type(avro_type: str, dialect: str) -> str:
    """Warehouse column type for an Avro primitive; anything else is kept as JSON text."""
    types = _SQL_TYPES[dialect]
    return types.get(avro_type, types["string"])
