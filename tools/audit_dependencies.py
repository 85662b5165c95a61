"""Run pip-audit over the installed environment; say so plainly when nothing could be checked.

pip-audit exits 0 with "No known vulnerabilities found" even when the vulnerability service answered
for no package at all (offline, or a PyPI mirror without the per-version JSON API): that reads as a
pass but audited nothing. This asks each service in turn and reports what was really checked.
Exit 1 only for known vulnerabilities; an unreachable service prints a clear line and exits 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

SERVICES = ("pypi", "osv")
TIMEOUT = 300


def audit(service: str) -> tuple[list[dict[str, Any]], str]:
    """Dependencies as pip-audit reports them, or [] and the reason when the service failed."""
    cmd = [
        sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
        "--format", "json", "--vulnerability-service", service, "--timeout", "15",
    ]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return [], f"no answer within {TIMEOUT} s"
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [], last if len(last) <= 160 else last[:160] + "…"
    return list(report.get("dependencies", [])), ""


def main() -> int:
    reasons = []
    for service in SERVICES:
        deps, reason = audit(service)
        checked = [d for d in deps if "skip_reason" not in d]
        if not checked:
            reasons.append(f"{service}: {reason or 'answered for no package'}")
            continue
        vulnerable = [d for d in checked if d.get("vulns")]
        print(f"pip-audit ({service}): {len(checked)} packages checked, {len(deps) - len(checked)} skipped.")
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
                print(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
        if vulnerable:
            print(f"pip-audit: {len(vulnerable)} vulnerable packages.")
            return 1
        print("pip-audit: no known vulnerabilities.")
        return 0
    print(
        "pip-audit: SKIPPED, the vulnerability service could not be reached, so no dependency was checked ("
        + "; ".join(reasons)
        + ")."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
