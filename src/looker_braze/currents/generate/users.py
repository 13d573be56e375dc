"""The generated users of one chunk: identifiers, email address, one device each.

User number ``i`` has the Braze id, external id, email address and phone number the Braze
simulator gives its user ``i`` (``looker_braze.sim.population``), in every run and whatever the
chunking: a Look synced to the simulator names users the generated Currents know, whichever
identifier it uses, so the closed loop can be shown for every kind of audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from looker_braze.currents.generate.columns import Coded, hex_strings, key_base
from looker_braze.sim import population

PLATFORMS = ("ios", "android", "web", "kindle", "tvos", "roku")
_PLATFORM_WEIGHTS = (0.45, 0.4, 0.1, 0.02, 0.02, 0.01)
OS_VERSIONS = {
    "ios": "iOS 17.2",
    "android": "Android 14",
    "web": "Chrome 120",
    "kindle": "Fire OS 8",
    "tvos": "tvOS 17",
    "roku": "Roku OS 12",
}
DEVICE_MODELS = {
    "ios": "iPhone15,2",
    "android": "Pixel 8",
    "web": "Desktop",
    "kindle": "KFTRWI",
    "tvos": "AppleTV14,1",
    "roku": "Roku Ultra",
}


@dataclass
class Users:
    """Per-user columns of one chunk; event frames refer to users by position in the chunk."""

    number: np.ndarray  # global user numbers
    braze_id: list[str]
    external_id: list[str]
    email: list[str]
    device_id: list[str]
    phone: list[str]  # E.164, in the 555 fiction range
    platform: np.ndarray  # index into PLATFORMS

    def __len__(self) -> int:
        return len(self.number)

    def join_times(self, joined: dict[str, int]) -> np.ndarray:
        """Each user's earliest time in ``joined`` (identifier -> epoch second, an audience
        export's members), found by any of their identifiers (alias aside: the generator has
        none); infinity for a user who is not there."""
        kinds = (self.external_id, self.email, self.phone, self.braze_id)
        return np.array(
            [min(joined.get(name, np.inf) for name in names) for names in zip(*kinds, strict=True)],
            dtype=float,
        )

    def column(self, name: str, who: np.ndarray) -> Coded:
        """A per-user string column for the events of users ``who``."""
        return Coded.of(who, getattr(self, name))

    def platform_column(self, who: np.ndarray, table: dict[str, str] | None = None) -> Coded:
        names = PLATFORMS if table is None else [table[p] for p in PLATFORMS]
        return Coded.of(self.platform[who], names)

    def app_id_column(self, app_ids: list[str], who: np.ndarray) -> Coded:
        return Coded.of(self.platform[who], app_ids)


def make_users(seed: int, first: int, count: int) -> Users:
    numbers = np.arange(first, first + count, dtype=np.uint64)
    listed = numbers.tolist()
    platforms = np.random.default_rng([seed, 1, first]).choice(
        len(PLATFORMS), size=count, p=_PLATFORM_WEIGHTS
    )
    return Users(
        number=numbers,
        braze_id=[population.braze_id(n) for n in listed],
        external_id=[population.external_id(n) for n in listed],
        email=[population.email(n) for n in listed],
        device_id=hex_strings(key_base(seed, "device_id") + numbers, 32),
        phone=[population.phone(n) for n in listed],
        platform=platforms,
    )


def app_ids(seed: int) -> list[str]:
    """One Braze app id per platform (the same app on each platform)."""
    return hex_strings(key_base(seed, "app_id") + np.arange(len(PLATFORMS), dtype=np.uint64), 24)


@cache
def app_group_id(seed: int) -> str:
    """The workspace (app group) every generated event belongs to."""
    return hex_strings(np.array([key_base(seed, "app_group")], dtype=np.uint64), 24)[0]
