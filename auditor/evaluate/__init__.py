"""The policy evaluator: AWS evaluation logic for concrete requests, and a three-valued static mode.

- `matching`: action and ARN wildcards; `variables`: `${...}` policy variables;
  `conditions`: every condition operator, and `validate_clause` for POL008;
- `compiled`: statements compiled once (cached by object identity);
- `engine.evaluate(request, identity_policies, resource_policy, boundaries)`: one decision;
- `static.static_access` / `static.statement_matches`: YES / NO / CONDITIONAL without a request;
- `batch` and `caseread`: the `simulate --batch` stream.
Nothing here does I/O or prints.
"""
