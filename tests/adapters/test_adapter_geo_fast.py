"""The planar fast path of `Origin.distance_within` decides exactly like the haversine."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from diagtree_adapters._geo import EPSILON_M, DiskGrid, Origin

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


@settings(max_examples=300, deadline=None)
@given(st.floats(-60, 60), st.floats(-179, 179), st.floats(50, 6000),
       st.lists(st.tuples(st.floats(-0.08, 0.08), st.floats(-0.08, 0.08)), min_size=1,
                max_size=20))
def test_disks_a_grid_calls_sure_contain_the_point(lat: float, lon: float, radius: float,
                                                   offsets: list[tuple[float, float]]) -> None:
    grid: DiskGrid[str] = DiskGrid(0.0025, 10_000)
    grid.add(lat, lon, radius, "cell")
    centre = Origin(lat, lon)
    for dlat, dlon in offsets:
        p_lat, p_lon = lat + dlat, lon + dlon
        sure, maybe = grid.split(p_lat, p_lon)
        inside = centre.distance_m(p_lat, p_lon) <= radius + EPSILON_M
        if sure:  # never a disk that does not reach the point …
            assert inside
        if inside:  # … and never a disk that does left out
            assert sure or maybe
        assert sorted(sure + maybe) == sorted(grid.covering(p_lat, p_lon))


def test_most_buckets_inside_a_city_cell_are_sure() -> None:
    grid: DiskGrid[str] = DiskGrid(0.0025, 10_000)
    grid.add(39.9, 116.4, 2000, "cell")
    here = Origin(39.9, 116.4)
    points = [(39.9 + i * 0.001, 116.4 + j * 0.001) for i in range(-15, 16) for j in range(-15, 16)]
    inside = [p for p in points if here.distance_m(*p) <= 2000]
    sure = [p for p in inside if grid.split(*p)[0]]
    assert len(sure) > 0.7 * len(inside)


@settings(max_examples=300, deadline=None)
@given(st.floats(-60, 60), st.floats(-179, 179), st.floats(50, 20_000),
       st.lists(st.tuples(st.floats(0, 360), st.floats(0.97, 1.03)), min_size=1, max_size=20))
def test_a_grid_never_leaves_out_a_disk_near_its_edge(lat: float, lon: float, radius: float,
                                                      around: list[tuple[float, float]]) -> None:
    """Points close to the circle, on every bearing: where buckets are dropped as wholly
    outside (the bounding box's corners) or kept as sure, a disk that reaches the point is
    always returned, and a sure one always reaches it."""
    grid: DiskGrid[str] = DiskGrid(0.0025, 10_000)
    grid.add(lat, lon, radius, "cell")
    centre = Origin(lat, lon)
    for bearing, scale in around:
        d = radius * scale / 6_371_008.8
        theta, phi, lam = math.radians(bearing), math.radians(lat), math.radians(lon)
        p_phi = math.asin(math.sin(phi) * math.cos(d)
                          + math.cos(phi) * math.sin(d) * math.cos(theta))
        p_lam = lam + math.atan2(math.sin(theta) * math.sin(d) * math.cos(phi),
                                 math.cos(d) - math.sin(phi) * math.sin(p_phi))
        p_lat, p_lon = math.degrees(p_phi), math.degrees(p_lam)
        sure, maybe = grid.split(p_lat, p_lon)
        inside = centre.distance_m(p_lat, p_lon) <= radius + EPSILON_M
        if inside:
            assert sure or maybe
        if sure:
            assert inside


def test_the_corners_of_a_disks_box_do_not_list_it() -> None:
    grid: DiskGrid[str] = DiskGrid(0.0025, 10_000)
    grid.add(39.9, 116.4, 2000, "cell")
    box_corner = (39.9 + 0.0175, 116.4 + 0.0230)  # inside the bounding box, ~2.8 km away
    assert Origin(39.9, 116.4).distance_m(*box_corner) > 2500
    assert grid.covering(*box_corner) == []
    assert grid.covering(39.9 + 0.017, 116.4) == ["cell"]  # ~1.9 km due north: kept
