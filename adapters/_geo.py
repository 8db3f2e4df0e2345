"""Great-circle geometry and the lat/lon grids that keep spatial look-ups local.

`distance_m` is the haversine distance on a sphere of the IUGG mean Earth radius
(R = 6 371 008.8 m), the one the source-record contract (docs/sources.md) prescribes. Boundaries are
inclusive: `within` allows `EPSILON_M` (one micrometre) of floating-point noise so that a point
placed exactly at a cell's range or at 300 m is inside whichever haversine formulation placed it.

The grids are the in-memory store's spatial indexes, built once at load:

- `PointGrid` holds points (measurement samples) in square buckets; `near(lat, lon, r)` returns
  the items inside the bounding box of the disk of radius ``r`` (a superset of those within ``r``).
- `DiskGrid` holds disks (cells with their range, coverage gaps with their radius) in every
  bucket of their bounding box that is not wholly outside the disk; `covering(lat, lon)`
  returns the items of the point's bucket (a superset of the disks that contain it). Disks
  too large for the grid (or crossing the antimeridian or a pole) go to a short list that
  every query returns.

Callers apply the exact `within` test to what a grid returns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from math import asin, cos, hypot, radians, sin, sqrt
from typing import Any, Final, Generic, TypeVar

__all__ = ["EARTH_RADIUS_M", "EPSILON_M", "DiskGrid", "Origin", "PointGrid", "distance_m", "within"]

EARTH_RADIUS_M: Final = 6_371_008.8
EPSILON_M: Final = 1e-6
_DIAMETER_M: Final = 2 * EARTH_RADIUS_M
_M_PER_DEG: Final = EARTH_RADIUS_M * math.pi / 180
_HALF_RAD: Final = math.pi / 360  # degrees → radians, halved (for a mean latitude)
_BAND_LOW: Final = 1 - 1e-5  # r - (r·1e-5 + 0.01) = r·_BAND_LOW - 0.01
_BAND_HIGH: Final = 1 + 1e-5
_PLANAR_MAX_M: Final = 50_000.0  # beyond this the planar estimate is not trusted
_PAD_DEG: Final = 1e-6  # bounding boxes are padded by ~0.1 m so that a boundary point is inside

T = TypeVar("T")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in metres between two points in degrees."""
    return Origin(lat1, lon1).distance_m(lat2, lon2)


class Origin:
    """A fixed point to measure many distances from (the same values as `distance_m`)."""

    __slots__ = ("_cos_phi", "_phi", "lat", "lon")

    def __init__(self, lat: float, lon: float) -> None:
        self.lat = lat
        self.lon = lon
        self._phi = math.radians(lat)
        self._cos_phi = math.cos(self._phi)

    def distance_m(self, lat: float, lon: float) -> float:
        """The great-circle distance in metres from this point to (`lat`, `lon`)."""
        phi2 = radians(lat)
        s1 = sin((phi2 - self._phi) / 2)
        s2 = sin(radians(lon - self.lon) / 2)
        a = s1 * s1 + self._cos_phi * cos(phi2) * s2 * s2
        return _DIAMETER_M * asin(sqrt(a if a < 1.0 else 1.0))

    def within(self, lat: float, lon: float, radius_m: float) -> bool:
        """Whether (`lat`, `lon`) is at most `radius_m` from this point (inclusive)."""
        return self.distance_within(lat, lon, radius_m) is not None

    def distance_within(self, lat: float, lon: float, radius_m: float) -> float | None:
        """The distance to (`lat`, `lon`) when it is at most `radius_m` (inclusive), else None.

        A local planar estimate (mid-latitude equirectangular: relative error far below 1e-6
        at city distances) decides every point that is not within a centimetre-scale band of
        the boundary; points in that band get the exact haversine, so the inclusive boundary
        is exactly `distance_m`'s. The estimate is returned for inside points (used to order
        serving cells nearest first)."""
        dy = (lat - self.lat) * _M_PER_DEG
        dx = (lon - self.lon) * _M_PER_DEG * cos((lat + self.lat) * _HALF_RAD)
        estimate = sqrt(dx * dx + dy * dy)
        if estimate <= _PLANAR_MAX_M:
            band = radius_m * 1e-5 + 0.01
            if estimate < radius_m - band:
                return estimate
            if estimate > radius_m + band:
                return None
        exact = self.distance_m(lat, lon)
        return exact if exact <= radius_m + EPSILON_M else None


    def all_within(self, items: Iterable[Mapping[str, Any]], radius_key: str | None = None,
                   radius_m: float = 0.0) -> list[tuple[float, Any]]:
        """``(distance, item)`` for each mapping with ``lat``/``lon`` keys that is at most its
        radius from here: ``item[radius_key]`` (a cell's range), or `radius_m` for all.

        The same decision and distance as `distance_within` item by item, in one loop (the
        coverage adapter asks it of a few tens of cells and samples per complaint)."""
        lat0, lon0 = self.lat, self.lon
        found: list[tuple[float, Any]] = []
        for item in items:
            lat = item["lat"]
            lon = item["lon"]
            r = radius_m if radius_key is None else item[radius_key]
            # as in distance_within, with the band r·1e-5 + 0.01 m folded into the bounds
            estimate = _M_PER_DEG * hypot(lat - lat0, (lon - lon0) * cos((lat + lat0) * _HALF_RAD))
            if estimate <= _PLANAR_MAX_M:
                if estimate < r * _BAND_LOW - 0.01:
                    found.append((estimate, item))
                    continue
                if estimate > r * _BAND_HIGH + 0.01:
                    continue
            exact = self.distance_m(lat, lon)
            if exact <= r + EPSILON_M:
                found.append((exact, item))
        return found


def within(lat1: float, lon1: float, lat2: float, lon2: float, radius_m: float) -> bool:
    """Whether the two points are at most `radius_m` apart (inclusive)."""
    return distance_m(lat1, lon1, lat2, lon2) <= radius_m + EPSILON_M


def bbox_deg(lat: float, radius_m: float) -> tuple[float, float] | None:
    """Half-height and half-width in degrees of the box around a disk; None if it has a pole."""
    delta = radius_m / EARTH_RADIUS_M
    if delta >= math.pi / 2:
        return None
    cos_lat = math.cos(math.radians(lat))
    sin_delta = math.sin(delta)
    if cos_lat <= sin_delta:
        return None
    dlon = math.degrees(math.asin(sin_delta / cos_lat))
    return math.degrees(delta) + _PAD_DEG, dlon + _PAD_DEG


class PointGrid(Generic[T]):
    """Points in square buckets of `step_deg` degrees."""

    def __init__(self, step_deg: float) -> None:
        self._step = step_deg
        self._buckets: dict[tuple[int, int], list[tuple[float, float, T]]] = {}
        self._all: list[tuple[float, float, T]] = []

    def __len__(self) -> int:
        return len(self._all)

    def add(self, lat: float, lon: float, item: T) -> None:
        entry = (lat, lon, item)
        key = (math.floor(lat / self._step), math.floor(lon / self._step))
        self._buckets.setdefault(key, []).append(entry)
        self._all.append(entry)

    def near(self, lat: float, lon: float, radius_m: float) -> list[T]:
        """Items inside the bounding box of the disk of `radius_m` around the point."""
        box = bbox_deg(lat, radius_m)
        if box is None or abs(lon) + box[1] > 180:
            return [item for _, _, item in self._all]
        dlat, dlon = box
        lo_lat, hi_lat, lo_lon, hi_lon = lat - dlat, lat + dlat, lon - dlon, lon + dlon
        step = self._step
        found: list[T] = []
        buckets = self._buckets
        for i in range(math.floor(lo_lat / step), math.floor(hi_lat / step) + 1):
            for j in range(math.floor(lo_lon / step), math.floor(hi_lon / step) + 1):
                bucket = buckets.get((i, j))
                if bucket is None:
                    continue
                for p_lat, p_lon, item in bucket:
                    if lo_lat <= p_lat <= hi_lat and lo_lon <= p_lon <= hi_lon:
                        found.append(item)
        return found


class DiskGrid(Generic[T]):
    """Disks registered in every bucket of `step_deg` degrees that their bounding box overlaps,
    except the buckets wholly outside the disk (the corners of the box).

    A bucket wholly inside a disk (its four corners within the radius less a metre) also
    records the disk as *sure*: `split` tells those apart, so that a caller tests only the
    others. (A disk is convex and a bucket's sides bulge from the great circles between its
    corners by about a millimetre: the metre of margin covers that and the planar estimate.)
    """

    def __init__(self, step_deg: float, max_buckets: int = 400) -> None:
        self._step = step_deg
        self._max = max_buckets
        #: per bucket, its disks: first the sure ones (as many as `_sure` counts), then the rest
        self._buckets: dict[tuple[int, int], list[T]] = {}
        self._sure: dict[tuple[int, int], int] = {}
        self._wide: list[T] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, lat: float, lon: float, radius_m: float, item: T) -> None:
        self._count += 1
        box = bbox_deg(lat, max(radius_m, 0.0))
        if box is None or abs(lon) + box[1] > 180:
            self._wide.append(item)
            return
        keys = list(self._keys(lat - box[0], lat + box[0], lon - box[1], lon + box[1]))
        if len(keys) > self._max:
            self._wide.append(item)
            return
        sure, outside = self._classify(lat, lon, radius_m, keys)
        for key in keys:
            if key in outside:
                continue
            bucket = self._buckets.setdefault(key, [])
            if key in sure:
                count = self._sure.get(key, 0)
                bucket.insert(count, item)
                self._sure[key] = count + 1
            else:
                bucket.append(item)

    def _classify(self, lat: float, lon: float, radius_m: float, keys: list[tuple[int, int]],
                  ) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
        """Among `keys`, the buckets wholly inside the disk (by a metre and 1e-5 of the
        radius) and those wholly outside it (by two metres and 1e-4 of the radius); the rest
        may hold points on either side. Row by row: on one parallel, the points of the disk
        lie between two longitudes. A bucket is inside when its four corners are; it is
        outside when it misses the disk's widest span in its band of latitudes (on the
        parallel of the band nearest the centre; the wider margin covers the span's slight
        growth with latitude across one band)."""
        if radius_m <= 0 or radius_m > _PLANAR_MAX_M / 2:
            return set(), set()
        inner = radius_m - 1.0 - radius_m * 1e-5
        outer = radius_m + 2.0 + radius_m * 1e-4
        step = self._step
        spans: dict[tuple[float, float], tuple[float, float] | None] = {}

        def span(at_lat: float, r: float) -> tuple[float, float] | None:
            """The longitudes within `r` of the centre on the parallel `at_lat`."""
            if (at_lat, r) not in spans:
                dy = (at_lat - lat) * _M_PER_DEG
                if abs(dy) >= r:
                    spans[at_lat, r] = None
                else:
                    half = sqrt(r * r - dy * dy) / (_M_PER_DEG * cos((at_lat + lat) * _HALF_RAD))
                    spans[at_lat, r] = (lon - half, lon + half)
            return spans[at_lat, r]

        inside: set[tuple[int, int]] = set()
        outside: set[tuple[int, int]] = set()
        for i, j in keys:
            west, east = j * step, (j + 1) * step
            south, north = i * step, (i + 1) * step
            widest = span(min(max(lat, south), north), outer)
            if widest is None or east < widest[0] or west > widest[1]:
                outside.add((i, j))
                continue
            if inner <= 0:
                continue
            low, high = span(south, inner), span(north, inner)
            if (low is not None and high is not None and west >= max(low[0], high[0])
                    and east <= min(low[1], high[1])):
                inside.add((i, j))
        return inside, outside

    def _keys(self, lo_lat: float, hi_lat: float, lo_lon: float, hi_lon: float,
              ) -> Iterator[tuple[int, int]]:
        step = self._step
        i0, i1 = math.floor(lo_lat / step), math.floor(hi_lat / step)
        j0, j1 = math.floor(lo_lon / step), math.floor(hi_lon / step)
        if (i1 - i0 + 1) * (j1 - j0 + 1) > self._max:
            # too many to enumerate: a sentinel the caller counts as "too many"
            yield from ((i0 + k, j0) for k in range(self._max + 1))
            return
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                yield i, j

    def covering(self, lat: float, lon: float) -> list[T]:
        """Items whose disk may contain the point (its bucket is not wholly outside the disk),
        plus the wide ones: a superset of the disks that contain it."""
        key = (math.floor(lat / self._step), math.floor(lon / self._step))
        bucket = self._buckets.get(key)
        if bucket is None:
            return list(self._wide)
        return [*bucket, *self._wide] if self._wide else list(bucket)

    def split(self, lat: float, lon: float) -> tuple[list[T], list[T]]:
        """`covering`, as (the disks that surely contain the point, the other candidates)."""
        key = (math.floor(lat / self._step), math.floor(lon / self._step))
        bucket = self._buckets.get(key)
        if bucket is None:
            return [], list(self._wide)
        count = self._sure.get(key, 0)
        return bucket[:count], [*bucket[count:], *self._wide]
