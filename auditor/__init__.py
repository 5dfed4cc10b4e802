"""auditor: least-privilege audits of Amazon Pinpoint, End User Messaging (SMS and voice) and SES access."""

__version__ = "0.1.0"
