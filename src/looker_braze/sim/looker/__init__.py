"""The Looker sender: plays Looker's side of the Action API against any hub.

    async with LookerSender(hub_url, token=None, looker_version="23.4.0") as looker:
        actions = await looker.list_actions()
        result = await looker.execute("braze", params={...}, form_params={...}, look="look.json")

A one-time download server (started by ``async with``) serves each Look sent with delivery "url";
``delivery="inline"`` / ``"inline-base64"`` put it in the payload's attachment instead.
"""

from looker_braze.sim.looker.download import Download, DownloadFault, DownloadServer
from looker_braze.sim.looker.sender import (
    ExecuteResult,
    HubRefused,
    HubUnreachable,
    LookerSender,
    send_sync,
)

__all__ = [
    "Download",
    "DownloadFault",
    "DownloadServer",
    "ExecuteResult",
    "HubRefused",
    "HubUnreachable",
    "LookerSender",
    "send_sync",
]
