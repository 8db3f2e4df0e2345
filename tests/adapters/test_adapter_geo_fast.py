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
