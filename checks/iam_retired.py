"""IAM011: permissions for Amazon Pinpoint engagement features, which reached end of support."""
from __future__ import annotations

from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.actions import covered, names
from auditor.analysis.describe import short_list, where
from auditor.analysis.memo import action_and_resource_lists, per_content, per_object
from auditor.analysis.resources import reaches
from auditor.analysis.walk import statement_hit, statements
from auditor.iam.knowledge import ActionInfo
from auditor.model.finding import Severity
from auditor.model.policy import Statement
from auditor.registry import Hit, PolicyContext, check

END_OF_SUPPORT = "2026-10-30"
# AWS retired the engagement features - endpoints, segments, campaigns, journeys and analytics -
# while the SMS, voice, push, OTP and phone-number-validate APIs continue as AWS End User
# Messaging. Actions are classified by the catalogue's resource types, and by the feature named
# in the action for those that act on the project itself (CreateCampaign works on `app`).
_ENGAGEMENT_TYPES = frozenset({
    "endpoint", "user", "segment", "campaign", "campaign-metrics", "journey", "journeys", "journey-metrics",
    "journey-execution-metrics", "journey-execution-activity-metrics", "application-metrics", "import-job",
    "export-job", "event-stream", "events", "recommender", "recommenders", "attribute", "reports",
})
_ENGAGEMENT_FEATURES = ("Campaign", "Segment", "Journey", "Endpoint", "ImportJob", "ExportJob", "InApp", "Kpi")


@per_object()  # asked for each Pinpoint action of every distinct Action list: a hundred times per action
def is_engagement(action: ActionInfo) -> bool:
    """Only engagement: every resource type it acts on is an engagement one (TagResource also tags
    projects and templates, which live on), or its name says it serves an engagement feature."""
    if any(feature in action.name for feature in _ENGAGEMENT_FEATURES):
        return True
    return bool(action.resource_types) and all(rt.name.lower() in _ENGAGEMENT_TYPES for rt in action.resource_types)


@per_content(action_and_resource_lists)
def retired_actions(statement: Statement, partition: str = "aws") -> tuple[ActionInfo, ...]:
    # Only on resources the statement names: `"Action": "*"` on SES or S3 ARNs grants no Pinpoint action.
    return tuple(a for a in covered(statement, ("mobiletargeting",))
                 if is_engagement(a) and reaches(statement, a, partition))


@check(
    "IAM011", "retired-service-access", Severity.LOW, "Permissions for retired Amazon Pinpoint engagement features",
    rationale=(
        f"AWS ended support for Amazon Pinpoint's engagement features (endpoints, segments, campaigns, "
        f"journeys, analytics) on {END_OF_SUPPORT}. Permissions for them no longer serve a purpose and hide "
        "the access that still matters; the SMS, voice, push and OTP APIs continue as AWS End User Messaging."
    ),
    remediation=(
        "Remove the engagement actions. Send SMS and voice through AWS End User Messaging (sms-voice), email "
        "through Amazon SES, and move campaigns and journeys to Amazon Connect outbound campaigns."
    ),
    doc_url=docs.PINPOINT_END_OF_SUPPORT,
)
def retired_service_access(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in statements(ctx):
        retired = retired_actions(statement, ctx.partition or "aws")
        if not retired:
            continue
        listed = names(retired)
        message = (
            f"{where(ctx.subject, statement)} grants {len(listed)} Amazon Pinpoint engagement actions "
            f"({short_list(listed, 5)}); those features reached end of support on {END_OF_SUPPORT}. Remove them, "
            "and use AWS End User Messaging (sms-voice) for SMS/voice and Amazon SES for email."
        )
        yield statement_hit(message, statement, actions=listed, condition_keys=(),
                            evidence=(("retired actions", str(len(listed))),), key="pinpoint-engagement")
