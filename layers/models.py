"""The pydantic model of each layer, built from the vocabularies of ``layers.schema``.

``layers.validate`` applies these models to every feature; the CLI, the importer and the
exporters read the property lists from here.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from layers.schema import (
    DEFAULT_HREE_DEFINITION,
    FIGURE_FIELDS,
    FIGURE_STAKE_PREFIX,
    INTEGER_FIELDS,
    Accuracy,
    AmountUnit,
    CapacityUnit,
    Country,
    Element,
    FlowUnit,
    HsCode,
    IsoDate,
    NonEmpty,
    NonNegative,
    PartialDate,
    Percent,
    Period,
    Slug,
    SourceKind,
    Stage,
    Status,
    WebUrl,
    Year,
    hree_share,
)

__all__ = [
    "COMMON_FIELDS",
    "MODELS",
    "Chokepoint",
    "Feature",
    "FlowFields",
    "Mine",
    "Owner",
    "Port",
    "Refinery",
    "Route",
    "Seabed",
    "Source",
    "figure_source_problems",
    "layer_fields",
    "number_fields",
]


class _Strict(BaseModel):
    # Extra properties are kept (users' files carry their own); types are not coerced from
    # strings, so "12" where a number belongs is reported.
    model_config = ConfigDict(extra="allow", strict=True, frozen=True, allow_inf_nan=False)


class Owner(_Strict):
    """A direct owner of an asset."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)
    name: NonEmpty
    stake_pct: Percent | None = None


class Source(_Strict):
    """A source a feature's figures come from."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)
    title: NonEmpty
    url: WebUrl = None
    date: PartialDate
    publisher: str | None = None
    kind: SourceKind | None = None


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
    as_of: IsoDate
    checked_on: IsoDate | None = None
    figure_sources: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    location_accuracy: Accuracy | None = None
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
    def _figure_sources_point_somewhere(self) -> Feature:
        problems = figure_source_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _capacity_has_unit_and_year(self) -> Feature:
        if self.capacity is not None and (self.capacity_unit is None or self.capacity_year is None):
            raise ValueError("capacity is set without capacity_unit and capacity_year")
        return self


def _stated(value: object) -> bool:
    """True when a figure holds something: not None, and not an empty table."""
    if value is None:
        return False
    return not (isinstance(value, dict | list) and not value)


def figure_source_problems(feature: Feature) -> list[str]:
    """What is wrong with a feature's ``figure_sources`` (empty when nothing is).

    Every key must be a figure field of the feature's layer holding a value, or
    ``stake:OWNER`` for an owner whose ``stake_pct`` is set; every index must point into
    ``sources``.
    """
    problems = []
    fields = type(feature).model_fields
    stakes = {o.name: o.stake_pct for o in feature.owners}
    count = len(feature.sources)
    for key, index in feature.figure_sources.items():
        where = f"figure_sources: {key!r}"
        if key.startswith(FIGURE_STAKE_PREFIX):
            owner = key.removeprefix(FIGURE_STAKE_PREFIX)
            if owner not in stakes:
                problems.append(f"{where} names no owner of this feature")
            elif stakes[owner] is None:
                problems.append(f"{where}: that owner's stake_pct is null")
        elif key not in FIGURE_FIELDS or key not in fields:
            problems.append(f"{where} is not a figure of this layer")
        elif not _stated(getattr(feature, key)):
            problems.append(f"{where}: the figure is null")
        if index >= count:
            problems.append(
                f"{where} points to source {index}, but sources has {count} (0-based)"
            )
    return problems


def _shares(value: dict[str, float]) -> dict[str, float]:
    total = sum(value.values())
    if total > 100.0 + 0.5:  # published distributions are rounded
        raise ValueError(f"element shares add up to {total:g}% (over 100%)")
    return value


#: Element shares adding up to at least this (% of TREO) are a whole distribution
#: (published tables are rounded, and some leave out Sc or a trace element).
FULL_DISTRIBUTION_PCT: Final[float] = 98.0


def _derived_hree(data: Any) -> Any:
    """Fill the heavy share from a whole element distribution when no source states one."""
    if not isinstance(data, dict) or data.get("hree_share_pct") is not None or data.get(
            "hree_basis"):
        return data
    shares = data.get("element_shares_pct")
    if not isinstance(shares, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in shares.values()):
        return data  # the field's own validation reports it
    if not FULL_DISTRIBUTION_PCT <= sum(shares.values()) <= 100.5:
        return data  # a partial table: the heavy share is unknown, not its partial sum
    return {**data, "hree_share_pct": round(hree_share(shares), 4),
            "hree_basis": f"computed ({DEFAULT_HREE_DEFINITION.upper()} definition) "
                          "from element_shares_pct"}


class Mine(Feature):
    """A mine, deposit or development project.

    With no ``hree_share_pct`` but a whole ``element_shares_pct`` distribution, the heavy
    share is computed from it (``hree_basis`` says so); a partial table leaves it empty.
    """

    deposit_type: str | None = None
    resource_mt: NonNegative | None = None
    grade_treo_pct: Percent | None = None
    resource_category: str | None = None
    resource_year: Year | None = None
    production: NonNegative | None = None
    production_unit: CapacityUnit | AmountUnit | None = None
    production_year: Year | None = None
    #: The year the source says first production is (or was) expected; a figure, so
    #: ``figure_sources`` must name the source that states it.
    start_year: Year | None = None
    element_shares_pct: Annotated[
        dict[Element, Annotated[float, Field(ge=0, le=100, strict=False)]],
        AfterValidator(_shares),
    ] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _hree_from_distribution(cls, data: Any) -> Any:
        return _derived_hree(data)


class Refinery(Feature):
    """A processing plant: cracking, separation, refining, metal, alloy, magnet, recycling."""

    stage: Stage
    stages: list[Stage] = Field(default_factory=list)
    feedstock: str | None = None
    feed_sources: list[str] = Field(default_factory=list)
    #: The year the source says first production or commissioning is (or was) expected.
    start_year: Year | None = None


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


class FlowFields(BaseModel):
    """What a trade flow states, shared by the flow table and the routes drawn from it."""

    origin: Country
    destination: Country
    origin_port: str | None = None
    destination_port: str | None = None
    product: NonEmpty
    hs_code: HsCode | None = None
    tonnage: NonNegative | None = None
    tonnage_unit: FlowUnit | None = None
    period: Period

    @model_validator(mode="after")
    def _tonnage_has_unit(self) -> FlowFields:
        if self.tonnage is not None and self.tonnage_unit is None:
            raise ValueError("tonnage is set without tonnage_unit")
        return self


class Route(FlowFields, Feature):
    """A trade flow drawn along its route."""

    flow_id: str | None = None
    route_kind: Literal["sea", "land", "great_circle", "mixed"] = "great_circle"
    geometry_approximate: bool = True


class Port(Feature):
    """A port the flows use."""

    unlocode: str | None = None


class Chokepoint(Feature):
    """A strait, canal or cape that sea routes pass."""

    kind: str | None = None


class Occurrence(Feature):
    """A site of the USGS rare-earth occurrences database (mrdata.usgs.gov/ree).

    The database states no status, owner or capacity: ``status`` may be null ("not
    stated"). ``curated_mine_id`` names the curated mine that shows the same site.
    """

    status: Status | None = None  # type: ignore[assignment]
    usgs_ree_id: NonEmpty
    url: WebUrl = None
    state_or_province: str | None = None
    other_commodities: str | None = None
    curated_mine_id: str | None = None


#: The model for each layer.
MODELS: Final[dict[str, type[Feature]]] = {
    "mines": Mine,
    "refineries": Refinery,
    "seabed": Seabed,
    "routes": Route,
    "ports": Port,
    "chokepoints": Chokepoint,
    "occurrences": Occurrence,
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
