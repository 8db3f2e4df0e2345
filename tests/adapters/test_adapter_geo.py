"""Great-circle distance and the spatial grids (a grid look-up never misses a record)."""

from __future__ import annotations

import math

import pytest
from adapter_support import destination
from hypothesis import given, settings
from hypothesis import strategies as st

from diagtree_adapters._geo import EARTH_RADIUS_M, DiskGrid, Origin, PointGrid, distance_m, within

lats = st.floats(-80, 80)
lons = st.floats(-179.9, 179.9)


def test_known_distance() -> None:
    # one degree of latitude on the IUGG mean sphere
    assert distance_m(0, 0, 1, 0) == pytest.approx(EARTH_RADIUS_M * math.pi / 180, rel=1e-12)
    # Beijing - Shanghai, about 1067 km
    assert distance_m(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1_067_000, rel=0.01)
    assert distance_m(28.2, 112.9, 28.2, 112.9) == 0


@given(lats, lons, lats, lons)
def test_distance_symmetric_and_nonnegative(a: float, b: float, c: float, d: float) -> None:
    assert distance_m(a, b, c, d) == pytest.approx(distance_m(c, d, a, b), abs=1e-6)
    assert distance_m(a, b, c, d) >= 0
    assert Origin(a, b).distance_m(c, d) == distance_m(a, b, c, d)


@given(lats, lons, st.floats(0, 360), st.floats(1, 50_000))
def test_destination_round_trip_and_inclusive_boundary(lat: float, lon: float, bearing: float,
                                                       dist: float) -> None:
    lat2, lon2 = destination(lat, lon, bearing, dist)
    assert distance_m(lat, lon, lat2, lon2) == pytest.approx(dist, abs=1e-5)
    assert within(lat, lon, lat2, lon2, dist)


@settings(max_examples=60)
@given(st.floats(28.0, 28.5), st.floats(112.7, 113.2),
       st.lists(st.tuples(st.floats(28.0, 28.5), st.floats(112.7, 113.2)), max_size=60),
       st.floats(1, 2000))
def test_point_grid_never_misses(lat: float, lon: float, points: list[tuple[float, float]],
                                 radius: float) -> None:
    grid: PointGrid[int] = PointGrid(0.003)
    for i, (p_lat, p_lon) in enumerate(points):
        grid.add(p_lat, p_lon, i)
    found = set(grid.near(lat, lon, radius))
    inside = {i for i, (p_lat, p_lon) in enumerate(points)
              if within(lat, lon, p_lat, p_lon, radius)}
    assert inside <= found


@settings(max_examples=60)
@given(st.floats(28.0, 28.5), st.floats(112.7, 113.2),
       st.lists(st.tuples(st.floats(28.0, 28.5), st.floats(112.7, 113.2), st.floats(0, 40_000)),
                max_size=40))
def test_disk_grid_never_misses(lat: float, lon: float,
                                disks: list[tuple[float, float, float]]) -> None:
    grid: DiskGrid[int] = DiskGrid(0.0025, max_buckets=2000)
    for i, (d_lat, d_lon, r) in enumerate(disks):
        grid.add(d_lat, d_lon, r, i)
    found = set(grid.covering(lat, lon))
    inside = {i for i, (d_lat, d_lon, r) in enumerate(disks) if within(lat, lon, d_lat, d_lon, r)}
    assert inside <= found


@pytest.mark.parametrize("bearing", [0, 45, 90, 135, 180, 225, 270, 315])
def test_grids_include_exact_boundary(bearing: float) -> None:
    centre = (28.2282, 112.9388)
    edge = destination(*centre, bearing, 300)
    points: PointGrid[str] = PointGrid(0.003)
    points.add(*edge, "edge")
    assert points.near(*centre, 300) == ["edge"]
    disks: DiskGrid[str] = DiskGrid(0.0025)
    disks.add(*edge, 300, "cell")
    assert disks.covering(*centre) == ["cell"]


def test_grids_near_the_antimeridian_and_poles() -> None:
    points: PointGrid[str] = PointGrid(0.003)
    points.add(0.0, 179.9999, "east")
    points.add(0.0, -179.9999, "west")
    assert set(points.near(0.0, 179.9999, 100)) >= {"east", "west"}
    disks: DiskGrid[str] = DiskGrid(0.0025)
    disks.add(89.999, 0.0, 5000, "polar")
    disks.add(0.0, -179.9999, 1000, "dateline")
    assert "polar" in disks.covering(89.9999, 120.0)
    assert "dateline" in disks.covering(0.0, 179.9999)
