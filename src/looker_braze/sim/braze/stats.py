"""What the simulator has seen: the figures tests and benchmarks assert on (``GET /sim/stats``)."""

from __future__ import annotations

from collections import Counter


class Stats:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()  # by status code, plus "dropped"
        self.objects_received = 0
        self.objects_processed = 0
        self.objects_rejected = 0
        self.rejections: Counter[str] = Counter()  # error type text -> objects
        self.dropped_values: Counter[str] = Counter()  # values Braze would silently not record
        self.not_found = 0  # objects for a user that does not exist and was not created
        self.data_points = 0
        self.max_objects_in_request = 0
        self.rate_limited_requests = 0  # 429s, of either window
        self.hourly_limited_requests = 0  # 429s of the hourly window (MAU contracts)
        self.queued_answers = 0  # 202 "queued" answers (maintenance), their data applied
        self.redirected_requests = 0  # answered with a redirect, nothing read or applied
        self.attributes_processed = 0
        self.events_processed = 0
        self.purchases_processed = 0
        self.bytes_received = 0

    def snapshot(self, users: int) -> dict:
        figures = dict(vars(self))
        figures["requests"] = dict(self.requests)
        figures["rejections"] = dict(self.rejections)
        figures["dropped_values"] = dict(self.dropped_values)
        figures["users"] = users
        return figures
