"""The planar fast path of `Origin.distance_within` decides exactly like the haversine."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diagtree_adapters._geo import EPSILON_M, Origin

LAT = st.floats(-60, 60)
LON = st.floats(-179, 179)
OFFSET = st.floats(-0.05, 0.05)  # up to ~5 km
RADIUS = st.floats(1, 5000)


@settings(max_examples=500, deadline=None)
@given(LAT, LON, OFFSET, OFFSET, RADIUS)
def test_fast_decision_equals_the_exact_one(lat: float, lon: float, dlat: float, dlon: float,
                                            radius: float) -> None:
    here = Origin(lat, lon)
    exact = here.distance_m(lat + dlat, lon + dlon) <= radius + EPSILON_M
    assert (here.distance_within(lat + dlat, lon + dlon, radius) is not None) == exact


@settings(max_examples=300, deadline=None)
@given(LAT, LON, OFFSET, OFFSET)
def test_a_point_exactly_at_the_radius_is_inside(lat: float, lon: float, dlat: float,
                                                 dlon: float) -> None:
    here = Origin(lat, lon)
    radius = here.distance_m(lat + dlat, lon + dlon)
    assert here.distance_within(lat + dlat, lon + dlon, radius) is not None


@settings(max_examples=300, deadline=None)
@given(LAT, LON, st.lists(st.tuples(OFFSET, OFFSET, RADIUS), max_size=8), RADIUS)
def test_all_within_equals_item_by_item(lat: float, lon: float,
                                        points: list[tuple[float, float, float]],
                                        fixed: float) -> None:
    here = Origin(lat, lon)
    items = [{"lat": lat + dlat, "lon": lon + dlon, "range_m": r} for dlat, dlon, r in points]
    for key, radius in (("range_m", 0.0), (None, fixed)):
        expected = []
        for item in items:
            r = item["range_m"] if key else radius
            if here.distance_m(item["lat"], item["lon"]) <= r + EPSILON_M:
                expected.append(item)
        found = here.all_within(items, key, radius)
        assert [item for _, item in found] == expected
        for d, item in found:  # the distance is the great-circle one, to well under a mm
            assert abs(d - here.distance_m(item["lat"], item["lon"])) < 1e-3
