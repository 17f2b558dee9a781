"""Values against a store's own schema (storecrm.profiles.schema_values): taxonomy values of profiles, products and
services, and the fields of form submissions. Each problem names the field in the client's dotted path."""

from __future__ import annotations

from typing import Any

import pytest

from storecrm.kernel.errors import ValidationFailed
from storecrm.profiles.models.taxonomies import Taxonomy, TaxonomyEntry
from storecrm.profiles.schema_values import Given, Rule, check_fields
from storecrm.profiles.taxonomies import check_taxonomy_values

RULES = [Rule("name", "text", required=True, min=2, max=10), Rule("age", "number", min=0, max=130),
         Rule("size", "select", options=["S", "M"]), Rule("colour", "text", options=["red", "blue"]),
         Rule("vip", "boolean"), Rule("born", "date"), Rule("where", "geo_location")]


def _problems(*given: tuple[str, str, Any]) -> list[tuple[str, str]]:
    return [(p.field, p.error) for p in check_fields(RULES, [Given(*g) for g in given], "fields", "form 'f'")]


def test_good_values_pass() -> None:
    assert _problems(("name", "text", "Ada"), ("age", "number", 36), ("size", "select", "M"),
                     ("colour", "text", "red"), ("vip", "boolean", False), ("born", "date", "1815-12-10"),
                     ("where", "geo_location", {"lat": 51.5, "lon": -0.1})) == []
    assert _problems(("name", "text", "Ada"), ("born", "date", 1_700_000_000), ("age", "number", 0.5)) == []


@pytest.mark.parametrize(("given", "field", "error"), [
    (("age", "number", 131), "fields.1.value", "'age' must be at most 130"),
    (("age", "number", -1), "fields.1.value", "'age' must be at least 0"),
    (("age", "number", True), "fields.1.value", "'age' must be a number"),
    (("age", "number", "3"), "fields.1.value", "'age' must be a number"),
    (("age", "text", "3"), "fields.1.type", "'age' is a number field of form 'f'"),
    (("size", "select", "XL"), "fields.1.value", "'size' must be one of 'S', 'M'"),
    (("colour", "text", "green"), "fields.1.value", "'colour' must be one of 'red', 'blue'"),
    (("vip", "boolean", "yes"), "fields.1.value", "'vip' must be true or false"),
    (("born", "date", "10/12/1815"), "fields.1.value", "'born' must be a date (YYYY-MM-DD or Unix seconds)"),
    (("where", "geo_location", {"lat": 91, "lon": 0}), "fields.1.value", "'where' must be {lat, lon}"),
    (("where", "geo_location", "51.5,0"), "fields.1.value", "'where' must be {lat, lon}"),
    (("nick", "text", "x"), "fields.1.key", "'nick' is not a field of form 'f'"),
    (("name", "text", "Bob"), "fields.1.key", "'name' is given twice"),
])
def test_each_wrong_value_is_named(given: tuple[str, str, Any], field: str, error: str) -> None:
    assert _problems(("name", "text", "Ada"), given) == [(field, error)]


def test_required_and_lengths() -> None:
    assert _problems() == [("fields", "'name' is required by form 'f'")]
    assert _problems(("name", "text", "  ")) == [("fields.0.value", "'name' is required by form 'f'")]
    assert _problems(("name", "text", "A")) == [("fields.0.value", "'name' needs at least 2 characters")]
    assert _problems(("name", "text", "A" * 11)) == [("fields.0.value", "'name' takes at most 10 characters")]
    # An optional field may be left empty.
    assert _problems(("name", "text", "Ada"), ("age", "number", None)) == []


def _taxonomy(schema: list[dict[str, Any]]) -> Taxonomy:
    return Taxonomy(id="t1", store_id="s", key="sizes", schema=schema, created_at=1, updated_at=1)


def test_taxonomy_values_against_the_schema() -> None:
    sizes = _taxonomy([{"key": "size", "type": "text", "value": ["S", "M"]},
                       {"key": "weight", "type": "number", "max": 10, "required": True},
                       {"key": "spot", "type": "geo_location"}])
    good = TaxonomyEntry(taxonomy_id="t1", fields=[{"key": "size", "type": "text", "value": "S"},
                                                    {"key": "weight", "type": "number", "value": 3},
                                                    {"key": "spot", "type": "geo_location",
                                                     "value": {"lat": 1, "lon": 2}}])
    check_taxonomy_values([good], {"t1": sizes})
    bad = TaxonomyEntry(taxonomy_id="t1", fields=[{"key": "size", "type": "text", "value": "XL"}])
    with pytest.raises(ValidationFailed) as refused:
        check_taxonomy_values([good, bad], {"t1": sizes}, "filters")
    assert [(e.field, e.error) for e in refused.value.field_errors] == [
        ("filters.1.fields.0.value", "'size' must be one of 'S', 'M'"),
        ("filters.1.fields", "'weight' is required by taxonomy 'sizes'")]


def test_taxonomies_without_a_schema_or_a_definition_take_any_values() -> None:
    free = TaxonomyEntry(taxonomy_id="t1", fields=[{"key": "anything", "type": "number", "value": 1e9}])
    check_taxonomy_values([free], {"t1": _taxonomy([])})
    check_taxonomy_values([free], {})


def test_form_fields_against_the_form_schema() -> None:
    from storecrm.crm.forms import check_form_fields
    from storecrm.crm.models.forms import Form, FormField

    form = Form(id="f", store_id="s", key="apply", created_at=1, updated_at=1, schema=[
        {"key": "name", "type": "text", "required": True, "max": 5},
        {"key": "cv", "type": "file"}, {"key": "team", "type": "select", "options": ["a", "b"]}])
    check_form_fields(form, [FormField(key="name", type="text", value="Ada"),
                             FormField(key="cv", type="file", value="media-1"),
                             FormField(key="team", type="select", value="b")])
    with pytest.raises(ValidationFailed) as refused:
        check_form_fields(form, [FormField(key="name", type="text", value={"file": "..."}),
                                 FormField(key="cv", type="file", value=["m1", "m2"]),
                                 FormField(key="team", type="select", value="c")])
    assert [(e.field, e.error) for e in refused.value.field_errors] == [
        ("fields.0.value", "'name' must be a text"),
        ("fields.1.value", "'cv' must be the id of a media file of the store"),
        ("fields.2.value", "'team' must be one of 'a', 'b'")]
    # A file where the schema has none is refused: the key is not a file field.
    without_files = form.model_copy(update={"schema_fields": form.schema_fields[:1]})
    with pytest.raises(ValidationFailed) as refused:
        check_form_fields(without_files, [FormField(key="name", type="text", value="Ada"),
                                          FormField(key="cv", type="file", value="media-1")])
    assert [e.field for e in refused.value.field_errors] == ["fields.1.key"]
