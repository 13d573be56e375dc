"""`looker-braze check`: Braze's troubleshooting checklist as a command.

    findings = await run_check(CheckRequest(endpoint=..., api_key=..., look=Path("look.json")))

Endpoint (endpoint.py): the hub's endpoint rules, then a request that changes nothing tells a
working key from an invalid one, one of another instance, or one without users.track. Look
(look.py, tally.py): the Look's json_detail read and mapped by the hub's own code. LookML view
(lookml.py): the same tag rules (fields.py) before a Look exists. report.py prints findings.
"""

from looker_braze.check.findings import Finding, Status, has_problems
from looker_braze.check.run import CheckRequest, run_check

__all__ = ["CheckRequest", "Finding", "Status", "has_problems", "run_check"]
