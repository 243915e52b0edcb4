"""The one place that defines reemap's vocabularies and the field types built on them.

Elements and the light/heavy split, the status ladder, processing stages, units, location
accuracy, entity types, and the annotated field types (country, slug, dates, periods) the
layer models of ``layers.models`` are made of. Nothing else in the code base lists element
symbols, statuses, stages or units.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Final, Literal, get_args

import pycountry
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
)

# --- elements -------------------------------------------------------------------------

#: The rare-earth elements (IUPAC: the 15 lanthanides plus Sc and Y), symbol -> name.
ELEMENTS: Final[dict[str, str]] = {
    "Sc": "Scandium",
    "Y": "Yttrium",
    "La": "Lanthanum",
    "Ce": "Cerium",
    "Pr": "Praseodymium",
    "Nd": "Neodymium",
    "Pm": "Promethium",
    "Sm": "Samarium",
    "Eu": "Europium",
    "Gd": "Gadolinium",
    "Tb": "Terbium",
    "Dy": "Dysprosium",
    "Ho": "Holmium",
    "Er": "Erbium",
    "Tm": "Thulium",
    "Yb": "Ytterbium",
    "Lu": "Lutetium",
}

#: Heavy rare earths under each definition sources use. Light = the other lanthanides.
#: ``usgs`` (the default): Eu to Lu plus Y, as the USGS Mineral Commodity Summaries use.
#: ``gd-lu``: Gd to Lu plus Y (Eu counted light), as many industry and Chinese sources do.
HREE_DEFINITIONS: Final[dict[str, frozenset[str]]] = {
    "usgs": frozenset({"Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y"}),
    "gd-lu": frozenset({"Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y"}),
}
DEFAULT_HREE_DEFINITION: Final[str] = "usgs"
HREE_DEFINITION_TEXT: Final[dict[str, str]] = {
    "usgs": "Heavy rare earths = Eu, Gd, Tb, Dy, Ho, Er, Tm, Yb, Lu and Y (USGS); "
    "light = La, Ce, Pr, Nd, Pm, Sm. Sc is counted in neither.",
    "gd-lu": "Heavy rare earths = Gd, Tb, Dy, Ho, Er, Tm, Yb, Lu and Y (Gd-Lu convention); "
    "light = La, Ce, Pr, Nd, Pm, Sm, Eu. Sc is counted in neither.",
}

#: The magnet elements users filter for most: NdFeB needs Nd and Pr, Dy and Tb keep it
#: strong when hot.
MAGNET_ELEMENTS: Final[tuple[str, ...]] = ("Nd", "Pr", "Dy", "Tb")

#: Element groups the capacity analysis reports on: an asset counts in a group when it
#: lists any of its elements (its capacity is then capacity of assets producing them, not
#: tonnes of those elements).
ELEMENT_GROUPS: Final[dict[str, frozenset[str]]] = {
    "NdPr": frozenset({"Nd", "Pr"}),
    "Dy/Tb": frozenset({"Dy", "Tb"}),
}


def heavy_elements(definition: str = DEFAULT_HREE_DEFINITION) -> frozenset[str]:
    """Return the heavy rare-earth symbols under a named definition.

    Parameters
    ----------
    definition
        A key of :data:`HREE_DEFINITIONS` (``"usgs"`` or ``"gd-lu"``).

    Returns
    -------
    frozenset of str
    """
    try:
        return HREE_DEFINITIONS[definition]
    except KeyError:
        known = ", ".join(HREE_DEFINITIONS)
        raise ValueError(f"unknown HREE definition {definition!r}; use one of {known}") from None


def light_elements(definition: str = DEFAULT_HREE_DEFINITION) -> frozenset[str]:
    """Return the light rare-earth symbols (lanthanides not heavy) under a definition."""
    lanthanides = set(ELEMENTS) - {"Sc", "Y"}
    return frozenset(lanthanides - heavy_elements(definition))


def hree_share(shares_pct: dict[str, float], definition: str = DEFAULT_HREE_DEFINITION) -> float:
    """Sum the heavy elements' shares (% of TREO) under a definition."""
    heavy = heavy_elements(definition)
    return float(sum(v for k, v in shares_pct.items() if k in heavy))


# --- status, stages, units, accuracy --------------------------------------------------

#: The status ladder, in order from least to most advanced, then winding down.
STATUSES: Final[dict[str, str]] = {
    "exploration": "a deposit found and drilled; a resource may be defined, no feasibility study",
    "development": "studies, permitting or financing under way; construction not started",
    "construction": "being built",
    "commissioning": "built and starting up; not yet at steady production",
    "operating": "producing",
    "care-and-maintenance": "built but stopped, kept ready to restart",
    "closed": "stopped for good",
}

#: Statuses grouped for capacity totals: what produces now, and what is being built.
CURRENT_STATUSES: Final[tuple[str, ...]] = ("operating", "commissioning")
PIPELINE_STATUSES: Final[tuple[str, ...]] = ("construction", "development")

#: Processing stages, upstream to downstream.
STAGES: Final[dict[str, str]] = {
    "mining": "ore extraction and concentration",
    "cracking": "breaking the concentrate down chemically (e.g. acid bake, caustic crack)",
    "separation": "solvent extraction into individual rare-earth oxides or groups",
    "refining": "purifying separated products",
    "metal": "reducing oxides to metal",
    "alloy": "making alloys (e.g. NdFeB alloy, DyFe)",
    "magnet": "making permanent magnets",
    "recycling": "recovering rare earths from scrap or end-of-life products",
}

#: Units of capacity and production (annual rates) and of amounts.
CAPACITY_UNITS: Final[dict[str, str]] = {
    "t/yr REO": "tonnes per year of rare-earth oxide (separated or total, as the source says)",
    "t/yr TREO": "tonnes per year of total rare-earth oxide",
    "t/yr NdPr oxide": "tonnes per year of neodymium-praseodymium oxide",
    "t/yr concentrate": "tonnes per year of mineral concentrate",
    "t/yr MREC": "tonnes per year of mixed rare-earth carbonate",
    "t/yr ore": "tonnes per year of ore mined or processed",
    "t/yr metal": "tonnes per year of rare-earth metal",
    "t/yr alloy": "tonnes per year of rare-earth alloy",
    "t/yr magnets": "tonnes per year of finished magnets",
    "t/yr feed": "tonnes per year of feed material (recycling)",
}
AMOUNT_UNITS: Final[dict[str, str]] = {
    "t": "tonnes of the product named",
    "t metal equivalent": "tonnes of rare-earth metal equivalent",
    "t REO": "tonnes of rare-earth oxide",
    "t TREO": "tonnes of total rare-earth oxide",
    "t NdPr oxide": "tonnes of neodymium-praseodymium oxide",
    "t concentrate": "tonnes of mineral concentrate",
    "USD": "US dollars (value)",
    "JPY": "Japanese yen (value)",
}

#: What kind of publication a source is (issue 13). Every source object in a feature's
#: ``sources`` and every ``source_kind`` cell of the CSV tables uses these.
SOURCE_KINDS: Final[dict[str, str]] = {
    "primary": "the issuer, a government, regulator, court, exchange or SEC filing, a journal "
    "paper or a survey (e.g. USGS): the original of the figure",
    "press": "a named news outlet or trade journal reporting the figure",
    "secondary": "an aggregator, repost, mirror, content farm, blog, forum, encyclopedia "
    "(incl. Wikipedia) or deposit database that repeats others",
}

#: The figures a feature can carry, each of which names its source in ``figure_sources``
#: (key: the field; value: the 0-based index into ``sources``). An owner's stake is named
#: ``stake:OWNER NAME`` (``FIGURE_STAKE_PREFIX``).
FIGURE_FIELDS: Final[tuple[str, ...]] = (
    "capacity",
    "production",
    "resource_mt",
    "grade_treo_pct",
    "hree_share_pct",
    "element_shares_pct",
    "depth_m_min",
    "depth_m_max",
    "rey_ppm_max",
    "rey_ppm_typical",
    "resource_t",
    "supply_years",
    "tonnage",
    "start_year",
)
FIGURE_STAKE_PREFIX: Final[str] = "stake:"

#: How exact a location is: the site itself, or a district/centroid.
LOCATION_ACCURACY: Final[dict[str, str]] = {
    "exact": "the pit, plant or port itself (within about 1 km)",
    "approximate": "a district, town or deposit centroid; see location_precision_km",
}

#: Trade codes (Harmonized System) the routes use.
HS_CODES: Final[dict[str, str]] = {
    "2805.30": "rare-earth metals, scandium and yttrium",
    "2846": "compounds of rare-earth metals, yttrium, scandium (heading: 2846.10 and 2846.90)",
    "2846.10": "cerium compounds",
    "2846.90": "other rare-earth compounds",
    "8505.11": "permanent magnets of metal",
    "2530.90": "mineral substances n.e.s. (includes rare-earth concentrates)",
}

#: Kinds of entity in the ownership graph; the first three count as state-backed.
ENTITY_TYPES: Final[dict[str, str]] = {
    "state_agency": "a government agency (e.g. JOGMEC)",
    "government": "a government or ministry",
    "state_owned": "a state-owned enterprise",
    "listed": "a company listed on a stock exchange",
    "private": "a privately held company",
    "fund": "an investment fund",
    "joint_venture": "a joint-venture vehicle",
}
STATE_ENTITY_TYPES: Final[frozenset[str]] = frozenset({"state_agency", "government", "state_owned"})

#: Geometry types allowed per layer.
GEOMETRY_TYPES: Final[dict[str, frozenset[str]]] = {
    "mines": frozenset({"Point"}),
    "refineries": frozenset({"Point"}),
    "ports": frozenset({"Point"}),
    "occurrences": frozenset({"Point"}),
    "seabed": frozenset({"Polygon", "MultiPolygon"}),
    "chokepoints": frozenset({"Polygon", "MultiPolygon"}),
    "routes": frozenset({"LineString", "MultiLineString"}),
}

#: The layers, in drawing order (areas first, then lines, then points).
#: ``occurrences`` (the USGS database) lies under the curated layers.
LAYERS: Final[tuple[str, ...]] = (
    "seabed", "chokepoints", "occurrences", "routes", "ports", "refineries", "mines",
)  # fmt: skip
#: Layers whose points are kept as their publisher gives them: a point outside its country's
#: outline is noted by the build (``reemap build-occurrences``), not refused on loading.
AS_PUBLISHED_LAYERS: Final[frozenset[str]] = frozenset({"occurrences"})
#: The layers in reading order (points first): tables, summaries and menus.
READING_ORDER: Final[tuple[str, ...]] = tuple(reversed(LAYERS))
#: Layers whose features lie at sea by nature: never checked against land outlines.
OFFSHORE_LAYERS: Final[frozenset[str]] = frozenset({"seabed", "routes", "chokepoints"})
#: The four layers the design contract names; the others are optional extras.
CORE_LAYERS: Final[tuple[str, ...]] = ("mines", "refineries", "seabed", "routes")

#: Properties holding lists or objects: JSON text in CSV, GeoPackage and GeoParquet.
NESTED_PROPERTIES: Final[frozenset[str]] = frozenset(
    {
        "owners",
        "elements",
        "sources",
        "stages",
        "feed_sources",
        "element_shares_pct",
        "supply_years",
        "chokepoints",
        "figure_sources",
    }
)

# --- field types ----------------------------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")
_HS = re.compile(r"^\d{4}(\.\d{2}){0,2}$")
_USER_ASSIGNED_ISO3: Final[frozenset[str]] = frozenset({"XKX"})


def _country(value: str) -> str:
    if value in _USER_ASSIGNED_ISO3 or pycountry.countries.get(alpha_3=value) is not None:
        return value
    raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 country code")


def _partial_date(value: str) -> str:
    if not _PARTIAL_DATE.match(value):
        raise ValueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return value


def _iso_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
    return value


def _url(value: str | None) -> str | None:
    # Only web links: a javascript: or data: URL from a file must never become a link.
    if value is None or value == "":
        return None
    if not re.match(r"^https?://[^\s<>\"']+$", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} is not a slug (lowercase letters, digits and '-')")
    return value


Country = Annotated[str, AfterValidator(_country)]
Slug = Annotated[str, AfterValidator(_slug)]
WebUrl = Annotated[str | None, AfterValidator(_url)]
PartialDate = Annotated[str, AfterValidator(_partial_date)]
IsoDate = Annotated[str, AfterValidator(_iso_date)]
Period = Annotated[str, Field(pattern=_PERIOD.pattern)]
HsCode = Annotated[str, Field(pattern=_HS.pattern)]
Accuracy = Literal["exact", "approximate"]
Element = Literal[
    "Sc",
    "Y",
    "La",
    "Ce",
    "Pr",
    "Nd",
    "Pm",
    "Sm",
    "Eu",
    "Gd",
    "Tb",
    "Dy",
    "Ho",
    "Er",
    "Tm",
    "Yb",
    "Lu",
]
Status = Literal[
    "exploration",
    "development",
    "construction",
    "commissioning",
    "operating",
    "care-and-maintenance",
    "closed",
]
Stage = Literal[
    "mining", "cracking", "separation", "refining", "metal", "alloy", "magnet", "recycling"
]
CapacityUnit = Literal[
    "t/yr REO",
    "t/yr TREO",
    "t/yr NdPr oxide",
    "t/yr concentrate",
    "t/yr MREC",
    "t/yr ore",
    "t/yr metal",
    "t/yr alloy",
    "t/yr magnets",
    "t/yr feed",
]
AmountUnit = Literal[
    "t", "t metal equivalent", "t REO", "t TREO", "t NdPr oxide", "t concentrate", "USD", "JPY"
]
FlowUnit = Literal["t", "t metal equivalent", "t REO", "USD", "JPY"]
SourceKind = Literal["primary", "press", "secondary"]
#: The units a trade flow's tonnage may carry (a subset of AMOUNT_UNITS).
FLOW_UNITS: Final[tuple[str, ...]] = get_args(FlowUnit)
Percent = Annotated[float, Field(ge=0, le=100)]
NonNegative = Annotated[float, Field(ge=0)]


def _integral(value: object) -> object:
    # Formats without an integer type (and pandas columns with gaps) hold 2024 as 2024.0.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Year = Annotated[int, BeforeValidator(_integral), Field(ge=1900, le=2100)]
#: The properties typed ``Year``: nullable integers in frames (2025, never 2025.0).
INTEGER_FIELDS: Final[frozenset[str]] = frozenset(
    {"capacity_year", "resource_year", "production_year", "start_year"}
)
NonEmpty = Annotated[str, Field(min_length=1)]
