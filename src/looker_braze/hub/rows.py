"""One row source for json_detail data, whether Looker pushed it inline or sent a download URL.

Actions call ``open()`` when they are ready for rows and get a ``RowStream`` (document.py): its
``Fields`` and batches of rows, each row the values of the fields they ask for (cells.py). They
never learn where the rows came from; the parsing is jsondetail.py's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import orjson

from looker_braze.errors import FailRun
from looker_braze.hub.document import RowStream
from looker_braze.hub.download import Downloader, recognised_or_unusable
from looker_braze.hub.jsondetail import open_stream
from looker_braze.hub.jsonspan import decode_base64
from looker_braze.hub.protocol import ActionRequest
from looker_braze.hub.readers import ByteReader, BytesReader


class RowSource:
    """Where an execute's rows come from; actions call ``open()`` when they are ready for them."""

    def __init__(self, request: ActionRequest, downloads: Downloader | None) -> None:
        self._request = request
        self._downloads = downloads

    @asynccontextmanager
    async def open(self) -> AsyncIterator[RowStream]:
        plan = self._request.scheduled_plan
        if plan is not None and plan.download_url:
            async with self._download(plan.download_url) as reader:
                with recognised_or_unusable():
                    stream = await open_stream(reader)
                yield stream
        elif self._request.has_inline_data:
            yield await open_stream(_attachment_reader(self._request))
        else:
            raise FailRun(
                "Looker sent no data: neither a download URL nor an attachment. "
                "Check the action's format is JSON details (json_detail)."
            )

    def _download(self, url: str) -> AbstractAsyncContextManager[ByteReader]:
        if self._downloads is None:
            raise FailRun("This hub cannot download data from Looker (no downloader).")
        return self._downloads.open(url)


def _attachment_reader(request: ActionRequest) -> ByteReader:
    """The inline attachment's document: read from the spooled body a piece at a time when the
    body was large (hub/body.py), else decoded from the parsed request."""
    attachment = request.attachment
    assert attachment is not None
    if request.spooled_data is not None:
        return request.spooled_data.reader(is_base64=attachment.is_base64)
    return BytesReader(_attachment_bytes(request))


def _attachment_bytes(request: ActionRequest) -> bytes:
    attachment = request.attachment
    assert attachment is not None and attachment.data is not None
    if not isinstance(attachment.data, str):  # JSON formats may carry the document itself
        return orjson.dumps(attachment.data)
    if not attachment.is_base64:
        return attachment.data.encode()
    return decode_base64(attachment.data.encode())
