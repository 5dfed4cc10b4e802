"""The archetype templates are the seed's own policies with placeholders, and render back to them."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from auditor import config
from auditor.access.archetypes import ARCHETYPES, RenderParams, render, template, uses_user
from test_access_support import ACCOUNT, IDENTITY, PROJECT, REGION, SEED_ARCHETYPES, seed_doc

SEED_VALUES = RenderParams("aws", ACCOUNT, (REGION,), ((REGION, PROJECT),), ((REGION, IDENTITY),), "richard-roe")


def _as_identity_policy(document: dict) -> list[dict]:
    """The seed document as an identity policy: no Principal (10 and 12 carry one)."""
    return [{k: v for k, v in st.items() if k != "Principal"} for st in document["Statement"]]


def test_catalogue_matches_the_config_choices():
    assert ARCHETYPES == config.ARCHETYPES
    assert sorted(SEED_ARCHETYPES.values()) == sorted(ARCHETYPES)


@pytest.mark.parametrize("seed_file, name", sorted(SEED_ARCHETYPES.items()))
def test_rendering_with_the_seed_values_gives_the_seed_policy_back(seed_file, name):
    assert render(name, SEED_VALUES)["Statement"] == _as_identity_policy(seed_doc(seed_file))


@pytest.mark.parametrize("name", ARCHETYPES)
def test_templates_hold_placeholders_not_the_documentation_ids(name):
    text = str(template(name))
    for literal in (ACCOUNT, PROJECT, "us-east-1", "richard-roe", IDENTITY, "arn:aws:"):
        assert literal not in text
    assert "{account}" in text or name in ("tag-view",)


def test_projects_expand_in_their_own_region_and_regions_per_region():
    params = RenderParams("aws", "444455556666", ("eu-west-1", "us-east-1"),
                          (("eu-west-1", "aaa"), ("us-east-1", "bbb")), ())
    resources = render("project-readonly", params)["Statement"][1]["Resource"]
    assert resources == [
        "arn:aws:mobiletargeting:eu-west-1:444455556666:apps/aaa",
        "arn:aws:mobiletargeting:us-east-1:444455556666:apps/bbb",
        "arn:aws:mobiletargeting:eu-west-1:444455556666:apps/aaa/*",
        "arn:aws:mobiletargeting:us-east-1:444455556666:apps/bbb/*",
        "arn:aws:mobiletargeting:eu-west-1:444455556666:reports",
        "arn:aws:mobiletargeting:us-east-1:444455556666:reports",
    ]
    # GovCloud and China accounts get their own partition.
    gov = render("api-admin", RenderParams("aws-us-gov", "444455556666", ("us-gov-west-1",), (), ()))
    assert gov["Statement"][0]["Resource"] == "arn:aws-us-gov:mobiletargeting:us-gov-west-1:444455556666:*"


def test_statements_about_no_project_or_identity_are_left_out():
    params = RenderParams("aws", ACCOUNT, (REGION,), (), ())
    statements = render("project-readonly", params)["Statement"]
    assert [st.get("Sid", "") for st in statements] == ["ViewProject", "", ""]
    assert statements[1]["Resource"] == [f"arn:aws:mobiletargeting:{REGION}:{ACCOUNT}:reports"]
    assert render("project-tag-owner", params)["Statement"] == []
    assert render("ses-pinpoint-sending", params)["Statement"] == []


def test_only_the_tag_examples_name_the_user():
    assert {n for n in ARCHETYPES if uses_user(n)} == {"tag-view", "project-tag-owner"}


def test_templates_ship_as_package_data():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert "access/archetypes/*.json" in pyproject["tool"]["setuptools"]["package-data"]["auditor"]
