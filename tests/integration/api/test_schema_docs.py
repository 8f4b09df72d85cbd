"""Every type, field, argument and enum value of the schema says what it is."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
)

from handoff.api.schema import schema

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def undocumented() -> list[str]:
    missing: list[str] = []
    for name, gtype in schema._schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        if not (gtype.description or "").strip():
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for fname, field in gtype.fields.items():
                if not (field.description or "").strip():
                    missing.append(f"{name}.{fname}")
                for aname, arg in getattr(field, "args", {}).items():
                    if not (arg.description or "").strip():
                        missing.append(f"{name}.{fname}({aname})")
        if isinstance(gtype, GraphQLEnumType):
            for vname, value in gtype.values.items():
                if not (value.description or "").strip():
                    missing.append(f"{name}.{vname}")
        assert isinstance(gtype, GraphQLUnionType) or gtype is not None
    return sorted(missing)


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    missing = undocumented()
    assert missing == [], f"{len(missing)} undocumented: {missing}"
