"""Sea lanes, great circles and geodesic lengths (geo.searoutes), and the antimeridian.

Independent figures the lengths are checked against:
- great-circle distances computed here with pyproj's Geod (a lower bound for any route);
- Mitsui O.S.K. Lines, "Let's see the Routes and Speed of Cargo Ship" (2022-07-05,
  https://www.mol-service.com/blog/vessel-speed-and-sailing-days): Los Angeles to Tokyo is
  about 4,800 nautical miles on the great circle and 5,100 on the rhumb line;
- The Japan News (Yomiuri), "Shipping firms seek out alternatives to Suez Canal"
  (2021-04-30): Yokohama to Hamburg by the southern route through Suez is about 21,000 km.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString

from geo.antimeridian import max_lon_step, split_antimeridian, unwrap
from geo.searoutes import geodesic_length_km, great_circle, sea_lane, sea_lane_passages

LONG_BEACH = (-118.215, 33.755)
TIANJIN = (117.7875, 38.9758)
KUANTAN = (103.3219, 3.7974)
YOKOHAMA = (139.6461, 35.45)
HAMBURG = (9.97, 53.54)
NM = 1.852  # km per nautical mile


def _gc_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


def _rfc7946(geom) -> None:
    coords = shapely.get_coordinates(geom)
    assert np.all(np.abs(coords[:, 0]) <= 180.0)
    assert np.all(np.abs(coords[:, 1]) <= 90.0)
    assert max_lon_step(geom) <= 180.0
    assert geom.is_valid


def test_pacific_lane_is_split_at_180_and_drawn_continuous() -> None:
    lane = sea_lane(LONG_BEACH, TIANJIN)
    assert isinstance(lane, MultiLineString)
    _rfc7946(lane)
    first, second = lane.geoms
    assert first.coords[-1][0] == -180.0 and second.coords[0][0] == 180.0
    assert first.coords[-1][1] == pytest.approx(second.coords[0][1])
    assert lane.geoms[0].coords[0] == pytest.approx(LONG_BEACH)
    assert lane.geoms[-1].coords[-1] == pytest.approx(TIANJIN)
    drawn = unwrap(lane)
    assert isinstance(drawn, LineString)  # one line on the map, never across the world
    assert max_lon_step(drawn) < 10.0
    assert geodesic_length_km(drawn) == pytest.approx(geodesic_length_km(lane), rel=1e-9)


def test_pacific_lane_length_against_independent_figures() -> None:
    lane_km = geodesic_length_km(sea_lane(LONG_BEACH, TIANJIN))
    gc = _gc_km(LONG_BEACH, TIANJIN)
    assert gc < lane_km < 1.2 * gc  # never shorter than the great circle; no wild detour
    # Long Beach to Yokohama against MOL's Los Angeles-Tokyo figures: at least the great
    # circle (4,800 nm, -3% for the ports' offsets), at most the rhumb line (5,100 nm)
    to_japan = geodesic_length_km(sea_lane(LONG_BEACH, YOKOHAMA)) / NM
    assert 0.97 * 4800 <= to_japan <= 5100


def test_kuantan_yokohama_length_and_geometry() -> None:
    lane = sea_lane(KUANTAN, YOKOHAMA)
    _rfc7946(lane)
    assert isinstance(lane, LineString)  # stays west of 180
    km = geodesic_length_km(lane)
    gc = _gc_km(KUANTAN, YOKOHAMA)
    assert km >= gc
    assert km == pytest.approx(gc, rel=0.10)  # the South China Sea lane is nearly direct


def test_europe_japan_lane_against_published_suez_distance() -> None:
    km = geodesic_length_km(sea_lane(HAMBURG, YOKOHAMA))
    assert km == pytest.approx(21_000, rel=0.05)  # Yomiuri: about 21,000 km via Suez
    assert {"suez", "malacca", "gibraltar"} <= set(sea_lane_passages(HAMBURG, YOKOHAMA))


def test_great_circle_is_densified_split_and_measured() -> None:
    line = great_circle(YOKOHAMA, LONG_BEACH)
    assert isinstance(line, MultiLineString)
    _rfc7946(line)
    assert geodesic_length_km(line) == pytest.approx(_gc_km(YOKOHAMA, LONG_BEACH), rel=1e-3)
    assert len(shapely.get_coordinates(line)) > 50
    assert great_circle((10.0, 50.0), (10.0, 50.0)).length == 0.0


@pytest.mark.parametrize("bad", [(200.0, 10.0), (10.0, -95.0)])
def test_points_out_of_range_are_refused(bad: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="lon and lat swapped"):
        sea_lane(bad, YOKOHAMA)


def test_split_is_idempotent_on_a_vertex_at_180() -> None:
    # a lane with a vertex exactly on -180 (searoute's network has some): splitting the
    # split line again must change nothing (this once produced a 354-degree step)
    line = LineString([(-170.0, 50.0), (-180.0, 50.0), (-185.0, 50.5), (-190.0, 51.0)])
    once = split_antimeridian(line)
    twice = split_antimeridian(once)
    assert twice.equals(once)
    _rfc7946(twice)
    assert [round(p.coords[0][0]) for p in twice.geoms] == [-170, 180]
