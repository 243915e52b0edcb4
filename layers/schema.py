"""The one place that defines reemap's vocabularies and layer schemas.

Elements and the light/heavy split, the status ladder, processing stages, units, location
accuracy, and a pydantic model per layer. Validation elsewhere (``layers.validate``) only
applies these models; nothing else in the code base lists element symbols or statuses.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Final, Literal, get_args, get_origin

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
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
FLOW_UNITS: Final[tuple[str, ...]] = ("t", "t metal equivalent", "t REO", "USD", "JPY")

#: How exact a location is: the site itself, or a district/centroid.
LOCATION_ACCURACY: Final[dict[str, str]] = {
    "exact": "the pit, plant or port itself (within about 1 km)",
    "approximate": "a district, town or deposit centroid; see location_precision_km",
}

#: Trade codes (Harmonized System) the routes use.
HS_CODES: Final[dict[str, str]] = {
    "2805.30": "rare-earth metals, scandium and yttrium",
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
    "seabed": frozenset({"Polygon", "MultiPolygon"}),
    "chokepoints": frozenset({"Polygon", "MultiPolygon"}),
    "routes": frozenset({"LineString", "MultiLineString"}),
}

#: The layers, in drawing order (areas first, then lines, then points).
LAYERS: Final[tuple[str, ...]] = ("seabed", "chokepoints", "routes", "ports", "refineries", "mines")
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
    {"capacity_year", "resource_year", "production_year"}
)
NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    # Extra properties are kept (users' files carry their own); types are not coerced from
    # strings, so "12" where a number belongs is reported.
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class Owner(_Strict):
    """A direct owner of an asset."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    name: NonEmpty
    stake_pct: Percent | None = None


class Source(_Strict):
    """A source a feature's figures come from."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    title: NonEmpty
    url: Annotated[str | None, AfterValidator(_url)] = None
    date: Annotated[str, AfterValidator(_partial_date)]
    publisher: str | None = None


# --- layer models ---------------------------------------------------------------------


class Feature(_Strict):
    """The properties every feature of every layer carries (design.md's contract)."""

    id: Slug
    name: NonEmpty
    name_local: str | None = None
    layer: str
    country: Country
    status: Status
    owners: list[Owner] = Field(default_factory=list)
    operator: str | None = None
    elements: list[Element] = Field(default_factory=list)
    hree_share_pct: Percent | None = None
    hree_basis: str | None = None
    capacity: NonNegative | None = None
    capacity_unit: CapacityUnit | None = None
    capacity_year: Year | None = None
    sources: list[Source] = Field(min_length=1)
    as_of: Annotated[str, AfterValidator(_iso_date)]
    location_accuracy: Literal["exact", "approximate"] | None = None
    location_precision_km: NonNegative | None = None
    notes: str | None = None

    @field_validator("elements")
    @classmethod
    def _unique_elements(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an element is listed twice")
        return value

    @field_validator("owners")
    @classmethod
    def _stakes_add_up(cls, value: list[Owner]) -> list[Owner]:
        total = sum(o.stake_pct or 0.0 for o in value)
        if total > 100.0 + 1e-6:
            names = ", ".join(f"{o.name} {o.stake_pct:g}%" for o in value if o.stake_pct)
            raise ValueError(f"stakes add up to {total:g}% (over 100%): {names}")
        seen = [o.name.casefold() for o in value]
        if len(set(seen)) != len(seen):
            raise ValueError("an owner is listed twice")
        return value

    @model_validator(mode="after")
    def _capacity_has_unit_and_year(self) -> Feature:
        if self.capacity is not None and (self.capacity_unit is None or self.capacity_year is None):
            raise ValueError("capacity is set without capacity_unit and capacity_year")
        return self


def _shares(value: dict[str, float]) -> dict[str, float]:
    total = sum(value.values())
    if total > 100.0 + 0.5:  # published distributions are rounded
        raise ValueError(f"element shares add up to {total:g}% (over 100%)")
    return value


class Mine(Feature):
    """A mine, deposit or development project."""

    deposit_type: str | None = None
    resource_mt: NonNegative | None = None
    grade_treo_pct: Percent | None = None
    resource_category: str | None = None
    resource_year: Year | None = None
    production: NonNegative | None = None
    production_unit: CapacityUnit | AmountUnit | None = None
    production_year: Year | None = None
    element_shares_pct: Annotated[
        dict[Element, Annotated[float, Field(ge=0, le=100, strict=False)]],
        AfterValidator(_shares),
    ] = Field(default_factory=dict)


class Refinery(Feature):
    """A processing plant: cracking, separation, refining, metal, alloy, magnet, recycling."""

    stage: Stage
    stages: list[Stage] = Field(default_factory=list)
    feedstock: str | None = None
    feed_sources: list[str] = Field(default_factory=list)


class Seabed(Feature):
    """A seabed rare-earth mud area."""

    depth_m_min: NonNegative | None = None
    depth_m_max: NonNegative | None = None
    rey_ppm_max: NonNegative | None = None
    rey_ppm_typical: NonNegative | None = None
    resource_t: NonNegative | None = None
    resource_unit: str | None = None
    supply_years: dict[Element, Annotated[float, Field(ge=0, strict=False)]] = Field(
        default_factory=dict
    )


class Route(Feature):
    """A trade flow drawn along its route."""

    flow_id: str | None = None
    origin: Country
    destination: Country
    origin_port: str | None = None
    destination_port: str | None = None
    product: NonEmpty
    hs_code: Annotated[str, Field(pattern=_HS.pattern)] | None = None
    tonnage: NonNegative | None = None
    tonnage_unit: FlowUnit | None = None
    period: Annotated[str, Field(pattern=_PERIOD.pattern)]
    route_kind: Literal["sea", "land", "great_circle", "mixed"] = "great_circle"
    geometry_approximate: bool = True

    @model_validator(mode="after")
    def _tonnage_has_unit(self) -> Route:
        if self.tonnage is not None and self.tonnage_unit is None:
            raise ValueError("tonnage is set without tonnage_unit")
        return self


class Port(Feature):
    """A port the flows use."""

    unlocode: str | None = None


class Chokepoint(Feature):
    """A strait, canal or cape that sea routes pass."""

    kind: str | None = None


#: The model for each layer.
MODELS: Final[dict[str, type[Feature]]] = {
    "mines": Mine,
    "refineries": Refinery,
    "seabed": Seabed,
    "routes": Route,
    "ports": Port,
    "chokepoints": Chokepoint,
}

#: Property columns of each layer, in order: the common ones first, then the layer's own.
COMMON_FIELDS: Final[tuple[str, ...]] = tuple(Feature.model_fields)


def layer_fields(layer: str) -> tuple[str, ...]:
    """Return the schema's property names for a layer, common ones first."""
    own = [f for f in MODELS[layer].model_fields if f not in COMMON_FIELDS]
    return (*COMMON_FIELDS, *own)


def _is_number(annotation: object) -> bool:
    if annotation is float:
        return True
    if get_origin(annotation) in (dict, list):
        return False
    return any(_is_number(arg) for arg in get_args(annotation) if arg is not bool)


def number_fields(model: type[Feature]) -> frozenset[str]:
    """The properties of a model that hold a (nullable) float."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if _is_number(info.annotation) and name not in INTEGER_FIELDS
    )
