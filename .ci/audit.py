"""`make audit`: known vulnerabilities of the installed packages, said plainly.

pip-audit asks PyPI's advisory data about each installed package. A package it cannot look up
is skipped with a reason, and a run that skipped every package still exits 0 ("No known
vulnerabilities found"): here that counts as a failure, since nothing was checked.
Exit 0: every package audited, none vulnerable; 1: a vulnerability, or packages not audited.
"""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def run_pip_audit() -> dict:
    """pip-audit's JSON report of the installed packages (the project itself left out)."""
    done = subprocess.run(
        [str(PIP_AUDIT), "--progress-spinner", "off", "--skip-editable", "--format", "json"],
        capture_output=True,
        text=True,
    )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"audit: pip-audit gave no report (exit {done.returncode}):\n{done.stderr}")


def main() -> int:
    report = run_pip_audit()
    # The project itself is installed editable and left out on purpose.
    packages = [
        p for p in report.get("dependencies", []) if "editable" not in p.get("skip_reason", "")
    ]
    skipped = [p for p in packages if p.get("skip_reason")]
    vulnerable = [p for p in packages if p.get("vulns")]
    audited = len(packages) - len(skipped)
    for package in vulnerable:
        for vuln in package["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"audit: {package['name']} {package['version']}: {vuln['id']} (fixed in {fixes})")
    print(f"audit: {audited} of {len(packages)} packages checked, {len(vulnerable)} vulnerable")
    if skipped:
        reasons = Counter(p["skip_reason"].split(":")[0] for p in skipped)
        for reason, count in reasons.most_common():
            print(f"audit: {count} not checked: {reason}")
        if not audited:
            print("audit: nothing could be audited (is PyPI's advisory service reachable?)")
        return 1
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
