"""POL007: documentation placeholders left in ARNs, principals or condition values."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from auditor.iam.arns import VARIABLE, split_arn
from auditor.model.policy import Statement
from auditor.model.finding import Severity
from auditor.registry import Hit, PolicyContext, check

# The account ids AWS documentation uses in examples; real only if they are the scanned account.
DOC_ACCOUNTS = frozenset({"123456789012", "111122223333", "444455556666"})
# Placeholder words of the AWS pages (compared without case, as whole ARN/path tokens).
PLACEHOLDER_WORDS = {
    "accountid": "account id", "account-id": "account id", "account_id": "account id",
    "projectid": "project id", "project-id": "project id", "appid": "project id", "applicationid": "project id",
    "username": "user name", "user-name": "user name",
    "emailid": "email identity", "email-id": "email identity",
    "region": "region", "region-name": "region",
}
# 810c7aab86d42fb2b56c8c966example, AKIAIOSFODNN7EXAMPLE: an id with a digit that ends in "example".
EXAMPLE_ID = re.compile(r"[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*example", re.IGNORECASE)
# Bucket names the AWS documentation reserves for examples.
EXAMPLE_NAME = re.compile(r"(doc-example|amzn-s3-demo)[A-Za-z0-9.-]*", re.IGNORECASE)
ANGLE = re.compile(r"<[^<>\s]+>")
TOKEN_SPLIT = re.compile(r"[/:,\s]+")


@dataclass(frozen=True, slots=True)
class Placeholder:
    token: str
    kind: str  # what the reader must put there instead ("project id", "account id", ...)
    why: str  # how we recognised it


@check(
    "POL007", "doc-placeholder", Severity.HIGH, "Documentation placeholder left in the policy",
    rationale="Policies copied from the AWS documentation carry placeholders (region, accountId, projectId, "
              "userName, <...>), example ids ending in \"example\" and the documentation account ids "
              "123456789012, 111122223333 and 444455556666. Left in place they make the statement name nothing "
              "that exists (so users are denied) or, for account ids, a stranger's account.",
    remediation="Replace each placeholder with the real value: your region, your account id, the Pinpoint project "
                "(application) id, the IAM user name or the SES identity.",
    doc_url="https://docs.aws.amazon.com/pinpoint/latest/developerguide/security_iam_id-based-policy-examples.html",
)
def doc_placeholder(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in ctx.policy.statements:
        for element, value in _values(statement):
            found = placeholders(value, ctx.account_id)
            if not found:
                continue
            described = "; ".join(f"\"{p.token}\" ({p.why})" for p in found)
            kinds = ", ".join(dict.fromkeys(f"the {p.kind}" for p in found))
            yield Hit(
                message=f"Statement {statement.label}: {element} \"{value}\" still holds documentation "
                        f"placeholder{'s' if len(found) > 1 else ''} {described}. Replace "
                        f"{'them' if len(found) > 1 else 'it'} with {kinds} of your own account.",
                statement=statement,
                resources=(value,) if element in ("Resource", "NotResource") else (),
                evidence=tuple(("placeholder", p.token) for p in found),
                key=f"{element}:{value}",
            )


def _values(statement: Statement) -> Iterator[tuple[str, str]]:
    element = "NotResource" if statement.not_resource else "Resource"
    for value in dict.fromkeys(statement.resources or ()):
        yield element, value
    principal = "NotPrincipal" if statement.not_principal else "Principal"
    for entry in statement.principals or ():
        if entry.kind != "*":
            yield f"{principal} {entry.kind}", entry.value
    for clause in statement.conditions:
        for value in dict.fromkeys(clause.values):
            yield f"condition {clause.operator} {clause.key} value", value


def placeholders(value: str, own_account: str = "") -> list[Placeholder]:
    """Every placeholder in one value: ARN fields are judged by their position, other text by token."""
    text = VARIABLE.sub("", value)  # ${aws:username} is a real policy variable, not a placeholder
    found: dict[str, Placeholder] = {}

    def add(p: Placeholder) -> None:
        found.setdefault(p.token, p)

    for match in ANGLE.findall(text):
        add(Placeholder(match, "real value", "an angle-bracket placeholder"))
    arn = split_arn(text)
    if arn is not None:
        if arn.region.lower() in ("region", "region-name"):
            add(Placeholder(arn.region, "region", "a placeholder region"))
        _account(arn.account, own_account, add)
        tokens = TOKEN_SPLIT.split(arn.resource)
        service = arn.service
    else:
        _account(text.strip(), own_account, add)
        tokens = TOKEN_SPLIT.split(text)
        service = ""
    for token in tokens:
        if not token or token in found:
            continue
        word = PLACEHOLDER_WORDS.get(token.lower())
        # In an ARN the words count as path tokens ("region" only in its own field, checked above);
        # in free text only as the whole value, so "eu region" in a description is left alone.
        if word is not None and (word != "region" if arn is not None else token == text.strip()):
            add(Placeholder(token, word, "a documentation placeholder"))
        elif EXAMPLE_ID.fullmatch(token):
            kind = "project id" if service == "mobiletargeting" else "real id"
            add(Placeholder(token, kind, "an example id ending in \"example\""))
        elif EXAMPLE_NAME.fullmatch(token):
            add(Placeholder(token, "bucket name", "a documentation example name"))
        elif token in DOC_ACCOUNTS and token != own_account:
            add(Placeholder(token, "account id", "a documentation account id"))
    return list(found.values())


def _account(field: str, own_account: str, add) -> None:
    if field.lower() in ("accountid", "account-id", "account_id", "account"):
        add(Placeholder(field, "account id", "a documentation placeholder"))
    elif field in DOC_ACCOUNTS and field != own_account:
        add(Placeholder(field, "account id", "a documentation account id"))
