"""Reasoning the checks share: what a statement grants, to whom, on what, under which conditions.

Everything here is pure and works on the typed policy model, the IAM catalogue
(`auditor.iam.knowledge`) and the evaluator (`auditor.evaluate`); the checks stay short.
"""
