"""The output schema a mapping derives from its input schema, and field checks at compile."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from hookline.errors import ConfigError
from hookline.mapping import compile_mapping

SALT = "pepper-0123456789"

ORDERS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "id": {"type": "integer", "description": "Order number."},
        "email": {"type": "string", "format": "email"},
        "total": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["paid", "open"]},
        "customer": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "address": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["city"],
                },
            },
            "required": ["name", "address"],
        },
        "card": {"type": "string"},
    },
    "required": ["id", "email", "customer"],
}


def output(spec: Any, schema: dict[str, Any] = ORDERS) -> dict[str, Any]:
    result: dict[str, Any] = compile_mapping(spec, schema).output_schema
    jsonschema.Draft202012Validator.check_schema(result)
    return result


def test_rename_keeps_type_position_and_requiredness() -> None:
    schema = output({"rename": {"id": "order_id"}})
    assert list(schema["properties"])[:2] == ["order_id", "email"]
    assert schema["properties"]["order_id"] == {"type": "integer", "description": "Order number."}
    assert schema["required"] == ["order_id", "email", "customer"]
    assert schema["$schema"] == ORDERS["$schema"]


def test_cast_changes_types_and_keeps_nullability() -> None:
    props = output({"cast": {"total": "number", "id": "string", "email": "datetime"}})["properties"]
    assert props["total"] == {"type": ["number", "null"]}
    assert props["id"] == {"type": "string", "description": "Order number."}
    assert props["email"] == {"type": "string", "format": "date-time"}
    assert output({"cast": {"card": "json"}})["properties"]["card"] == {}


def test_keep_and_drop_remove_fields() -> None:
    schema = output({"keep": ["email", "id"]})
    assert list(schema["properties"]) == ["email", "id"]
    assert schema["required"] == ["id", "email"]
    assert "card" not in output({"drop": ["card"]})["properties"]


def test_defaults_make_a_field_present_and_not_null() -> None:
    props_required = output({"defaults": {"total": "0", "country": "NL", "score": 1}})
    assert props_required["properties"]["total"] == {"type": "string"}
    assert props_required["properties"]["country"] == {"type": "string"}
    assert props_required["properties"]["score"] == {"type": "integer"}
    assert {"total", "country", "score"} <= set(props_required["required"])


def test_text_steps_drop_constraints_that_no_longer_hold() -> None:
    props = output({"upper": ["status"], "lower": ["email"]})["properties"]
    assert props["status"] == {"type": "string"}
    assert props["email"] == {"type": "string", "format": "email"}


def test_indexes_and_paths_through_arrays_are_typed() -> None:
    schema = {
        **ORDERS,
        "properties": {
            **ORDERS["properties"],
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
                },
            },
            "tags": {"type": "array"},
        },
    }
    spec = {
        "compute": {
            "first_sku": "lines[0].sku",
            "last_line": "lines[-1]",
            "qty": "lines[0].qty",
            "city": "customer.address.city",
            "first_tag": "tags[0]",  # items of any type: nothing can be told
            "part": "split(customer.name, ' ')[0]",
            "missing": "lines[0].nope",
        }
    }
    props = compile_mapping(spec, schema).output_schema["properties"]
    assert props["first_sku"] == {"type": ["string", "null"]}
    assert props["last_line"]["type"] == ["object", "null"]
    assert props["qty"] == {"type": ["integer", "null"]}
    assert props["city"] == {"type": ["string", "null"]}
    assert props["first_tag"] == {}
    assert props["part"] == {"type": ["string", "null"]}
    assert props["missing"] == {}


def test_computed_fields_get_a_type_when_it_can_be_told() -> None:
    spec = {
        "compute": {
            "domain": "split(email, '@')[1]",
            "email_lc": "lower(email)",
            "n": "length(email)",
            "copy": "id",
            "city": "customer.address.city",
            "big": "id > `100`",
            "same": "id == `1`",
            "label": "'web'",
            "anything": "items[*].x",
        },
        "optional": ["compute"],  # items is not in the schema
    }
    props = output(spec)["properties"]
    assert props["domain"] == {"type": ["string", "null"]}, "an item of split(), or null"
    assert props["email_lc"] == {"type": ["string", "null"]}
    assert props["n"] == {"type": "integer"}
    assert props["copy"] == {"type": "integer", "description": "Order number."}
    assert props["city"] == {"type": ["string", "null"]}
    assert props["big"] == {"type": ["boolean", "null"]}
    assert props["same"] == {"type": "boolean"}
    assert props["label"] == {"type": "string"}
    assert props["anything"] == {}


def test_hash_and_mask_become_strings() -> None:
    props = output({"salt": SALT, "hash": ["id", "total"], "mask": {"card": 4}})["properties"]
    assert props["id"] == {"type": "string", "description": "Order number."}
    assert props["total"] == {"type": ["string", "null"]}
    assert props["card"] == {"type": "string"}


def test_flatten_lists_the_nested_fields_in_place() -> None:
    schema = output({"flatten": ["customer"]})
    names = list(schema["properties"])
    assert names[names.index("status") + 1 : names.index("card")] == [
        "customer_name",
        "customer_address_city",
        "customer_address_zip",
    ]
    assert schema["properties"]["customer_address_city"] == {"type": "string"}
    assert "customer" not in schema["properties"]
    assert schema["required"] == ["id", "email", "customer_name", "customer_address_city"]


def test_flattening_a_free_form_object_opens_the_schema() -> None:
    closed = {
        "type": "object",
        "properties": {"meta": {"type": "object"}, "id": {"type": "integer"}},
        "additionalProperties": False,
    }
    schema = output({"flatten": ["meta"]}, closed)
    assert schema["properties"] == {"id": {"type": "integer"}}
    assert "additionalProperties" not in schema


def test_mapped_records_validate_against_the_output_schema() -> None:
    spec = {
        "salt": SALT,
        "flatten": ["customer"],
        "rename": {"id": "order_id"},
        "defaults": {"total": "0"},
        "cast": {"total": "number"},
        "compute": {"domain": "split(email, '@')[1]", "big": "total > `100`"},
        "hash": ["email"],
        "mask": {"card": 4},
        "drop": ["status"],
    }
    mapper = compile_mapping(spec, ORDERS)
    records = [
        {
            "id": 1,
            "email": "ann@shop.test",
            "total": "150.5",
            "status": "paid",
            "customer": {"name": "Ann", "address": {"city": "Delft", "zip": "2611"}},
            "card": "4111111111111111",
        },
        {
            "id": 2,
            "email": "bo@x.test",
            "total": None,
            "customer": {"name": "Bo", "address": {"city": "Gent"}},
        },
    ]
    for record in records:
        jsonschema.validate(record, ORDERS)
    result = mapper.apply(records)
    assert not result.rejected
    validator = jsonschema.Draft202012Validator(mapper.output_schema)
    for mapped in result.records:
        validator.validate(mapped)
    assert result.records[1]["total"] == 0.0


def test_a_field_that_cannot_exist_is_a_config_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        compile_mapping(
            [{"keep": ["id", "email"]}, {"cast": {"totl": "number"}}, {"flatten": ["email"]}],
            ORDERS,
            source="p.yaml",
            path="$.map",
        )
    assert [str(p) for p in caught.value.problems] == [
        "p.yaml: cast: no field 'totl' at this point (fields: id, email); keep left no other "
        "field @ $.map[1].cast",
        "p.yaml: flatten: 'email' is not an object in the stream's schema @ $.map[2].flatten",
    ]


def test_an_optional_field_missing_from_an_open_schema_is_listed_in_warnings() -> None:
    mapper = compile_mapping({"lower": ["nick"], "optional": ["lower"]}, ORDERS, source="p.yaml")
    assert [str(w) for w in mapper.warnings] == [
        "p.yaml: lower: field 'nick' is not in the stream's schema (optional) @ $.lower"
    ]
    assert compile_mapping({"lower": ["email"], "optional": "lower"}, ORDERS).warnings == ()
    assert compile_mapping({"lower": ["x"]}, None).warnings == ()
