"""The data set of ``dashboard_read``: who the affiliates are, when traffic happens, and the
clicks, generated deterministically (a fixed seed; the same anchor and org give the same rows).

Shape (the issue's): 10,000 affiliates, 10 million clicks and 1 million conversions over the
90 days before the anchor (the hour the set was seeded). Volume follows the clock: a daily
rhythm peaking mid-afternoon UTC, quieter weekends and 50% growth over the period. Affiliates
are Zipf-like: the one ranked r gets a share proportional to 1/r (the top 1% bring about half
the clicks); their sales also depend on a per-affiliate conversion quality, so the rankings by
clicks and by sales differ. A click's referrer is one of 50 hosts (Zipf-like too) or none
(direct, 28%); 3% are bots.

Pure Python (numpy is not a dependency): one ``random.Random`` per stream, choices in bulk and
a table of 4,096 pre-drawn visitor profiles (host, UTM, device, country, bot, source), so a
click costs one draw of 24 bits besides its affiliate."""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from libs.contracts.metrics import ClickCell, ClicksRolled

SEED = 20_250_601
HOUR = timedelta(hours=1)
PROFILES = 4096  # pre-drawn visitor profiles; a click picks one with 12 random bits
SECONDS = tuple(timedelta(seconds=s) for s in range(3600))
DIRECT_SHARE = 0.28
BOT_SHARE = 0.03
HOSTS = ("google.com", "youtube.com", "t.co", "facebook.com", "reddit.com", "instagram.com",
         "linkedin.com", "news.ycombinator.com", "medium.com", "bing.com",
         *(f"blog{n}.example.com" for n in range(1, 41)))
COUNTRIES = (("US", 35), ("GB", 10), ("DE", 9), ("FR", 7), ("CA", 6), ("IN", 6), ("BR", 5),
             ("AU", 4), ("NL", 3), ("ES", 3), ("IT", 3), ("SE", 2), ("JP", 2), ("MX", 2),
             ("unknown", 3))
DEVICES = (("Desktop", 48), ("Mobile", 46), ("Tablet", 6))
SOURCES = (("js", 80), ("redirect", 15), ("gif", 5))
UTM_SHARE = 0.25
UTM = (("newsletter", "email"), ("twitter", "social"), ("youtube", "video"),
       ("facebook", "social"), ("google", "cpc"))
CAMPAIGNS = ("spring", "launch", "blackfriday", None)


@dataclass(frozen=True, slots=True)
class Shape:
    affiliates: int = 10_000
    clicks: int = 10_000_000
    conversions: int = 1_000_000
    days: int = 90
    seed: int = SEED

    @property
    def hours(self) -> int:
        return self.days * 24


@dataclass(frozen=True, slots=True)
class Ids:
    """The org's names for the set: affiliate ids derive from the org and the rank (index 0
    is the busiest), so a re-run of the generator for the same org names the same rows."""

    org_id: uuid.UUID
    program_id: uuid.UUID
    affiliates: tuple[uuid.UUID, ...]
    slugs: tuple[str, ...]

    @classmethod
    def of(cls, org_id: uuid.UUID, program_id: uuid.UUID, count: int) -> Ids:
        ids = tuple(uuid.uuid5(uuid.NAMESPACE_URL, f"rekomi-bench-dashboard/{org_id}/{n}")
                    for n in range(count))
        return cls(org_id, program_id, ids,
                   tuple(f"b{org_id.hex[:6]}{n:05d}" for n in range(count)))


def affiliate_rows(ids: Ids, at: datetime) -> list[tuple[Any, ...]]:
    """``AFFILIATE_COLUMNS`` of each affiliate: Approved, joined before the period."""
    tag = ids.org_id.hex[:8]
    return [(a, ids.org_id, ids.program_id, f"aff{n:05d}@{tag}.bench.example",
             f"Affiliate {n:05d}", "Approved", "Direct", at, at, at)
            for n, a in enumerate(ids.affiliates)]


AFFILIATE_COLUMNS = ("id", "org_id", "program_id", "email", "full_name", "status", "source",
                     "approved_at", "created_at", "updated_at")


def start_of(shape: Shape, anchor: datetime) -> datetime:
    return anchor - timedelta(days=shape.days)


def hour_weights(shape: Shape, anchor: datetime) -> list[float]:
    start = start_of(shape, anchor)
    weights = []
    for h in range(shape.hours):
        at = start + h * HOUR
        daily = 0.35 + 0.65 * (1 + math.cos(2 * math.pi * (at.hour - 15) / 24)) / 2
        weekly = 0.8 if at.weekday() >= 5 else 1.0
        weights.append(daily * weekly * (0.8 + 0.4 * h / shape.hours))
    return weights


def per_hour(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, exactly (largest remainders)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[:total - sum(counts)]:
        counts[i] += 1
    return counts


def zipf_cumulative(weights: Sequence[float]) -> list[float]:
    out, running = [], 0.0
    for w in weights:
        running += w
        out.append(running)
    return out


def click_weights(count: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(count)]


def _pick(rng: random.Random, table: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def profiles(rng: random.Random) -> list[tuple[Any, ...]]:
    """(referrer host, utm source, medium, campaign, device, country, bot, source) x 4,096."""
    host_cw = zipf_cumulative([1 / (r + 1) ** 1.1 for r in range(len(HOSTS))])
    drawn = []
    for _ in range(PROFILES):
        host = None if rng.random() < DIRECT_SHARE else rng.choices(HOSTS, cum_weights=host_cw)[0]
        utm: tuple[str | None, ...] = (None, None, None)
        if rng.random() < UTM_SHARE:
            utm = (*rng.choice(UTM), rng.choice(CAMPAIGNS))
        bot = rng.random() < BOT_SHARE
        device = "Bot" if bot else _pick(rng, DEVICES)
        drawn.append((host, *utm, device, _pick(rng, COUNTRIES), bot, _pick(rng, SOURCES)))
    return drawn


@dataclass(frozen=True, slots=True)
class ClickHour:
    """One hour's clicks: the rows tracking's writer would have stored (``CLICK_COLUMNS``),
    and each click's roll-up cell as one number (affiliate x distinct dimensions)."""

    start: datetime
    rows: list[tuple[Any, ...]]
    cells: list[int]


class Clicks:
    """``hours()``: each hour's clicks, oldest first; ``rolled(hour)``: its roll-up event."""

    def __init__(self, shape: Shape, ids: Ids, anchor: datetime) -> None:
        self.shape, self.ids, self.anchor = shape, ids, anchor
        self.rng = random.Random(f"{shape.seed}:clicks")
        self.visitors = profiles(self.rng)
        # What the roll-up keys on, of a profile: all but the click's source (js, redirect ..).
        self.dimensions = sorted({p[:7] for p in self.visitors}, key=repr)
        index = {d: n for n, d in enumerate(self.dimensions)}
        self.dimension_of = [index[p[:7]] for p in self.visitors]

    def hours(self) -> Iterator[ClickHour]:
        rng, visitors, dimension_of = self.rng, self.visitors, self.dimension_of
        ids, width = self.ids, len(self.dimensions)
        cumulative = zipf_cumulative(click_weights(self.shape.affiliates))
        population = range(self.shape.affiliates)
        landing = [f"https://brand.example/pricing?via={s}" for s in ids.slugs]
        org, program, affiliates, slugs = ids.org_id, ids.program_id, ids.affiliates, ids.slugs
        start = start_of(self.shape, self.anchor)
        for h, n in enumerate(per_hour(self.shape.clicks, hour_weights(self.shape,
                                                                        self.anchor))):
            base = start + h * HOUR
            rows, cells = [], []
            for a in rng.choices(population, cum_weights=cumulative, k=n):
                bits = rng.getrandbits(24)
                p = visitors[bits & 4095]
                rows.append((org, program, affiliates[a], slugs[a], slugs[a], None, p[0],
                             landing[a], p[1], p[2], p[3], None, None, p[4], p[5], p[6], p[7],
                             base + SECONDS[(bits >> 12) * 3600 >> 12], None))
                cells.append(a * width + dimension_of[bits & 4095])
            yield ClickHour(base, rows, cells)

    def rolled(self, hour: ClickHour) -> ClicksRolled:
        """The ``tracking.clicks.rolled`` event tracking would publish for the hour's clicks:
        one cell per affiliate and dimensions (``services/tracking/domain/click_rollup``'s
        key), counted on integers and built without the JSON round trip (the unit test holds
        it equal to tracking's own roll-up of the rows)."""
        width, program, affiliates = len(self.dimensions), self.ids.program_id, self.ids.affiliates
        cells = []
        for key, n in Counter(hour.cells).items():
            a, d = divmod(key, width)
            host, source, medium, campaign, device, country, bot = self.dimensions[d]
            cells.append(_cell({
                "program_id": program, "affiliate_id": affiliates[a], "hour": hour.start,
                "referrer_host": host, "country": country, "device": device,
                "utm_source": source, "utm_medium": medium, "utm_campaign": campaign,
                "bot": bot, "clicks": n, "slug": self.ids.slugs[a], "sub_id": None}))
        return ClicksRolled.model_construct(org_id=self.ids.org_id, cells=cells)


_CELL_FIELDS = frozenset(ClickCell.model_fields)


def _cell(values: dict[str, Any]) -> ClickCell:
    """A ``ClickCell`` of already valid values, the way ``model_construct`` makes one but at a
    sixth of its cost (10 million clicks roll up to millions of cells)."""
    cell = ClickCell.__new__(ClickCell)
    object.__setattr__(cell, "__dict__", values)
    object.__setattr__(cell, "__pydantic_fields_set__", set(_CELL_FIELDS))
    object.__setattr__(cell, "__pydantic_extra__", None)
    object.__setattr__(cell, "__pydantic_private__", None)
    return cell
