"""JUnit XML, so CI systems show each rule as a test case. Failed error rules are failures;
failed warnings pass, with the finding in system-out, because warnings never fail a verdict."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from lockgate.report.statement import statement
from lockgate.results.jsonable import json_safe
from lockgate.results.model import ValidationResult


def render(result: ValidationResult) -> str:
    duration = (
        (result.finished_at - result.started_at).total_seconds() if result.finished_at else 0.0
    )
    failures = sum(1 for r in result.results if r.blocking_failure)
    suites = ET.Element(
        "testsuites", name="lockgate", tests=str(len(result.results)), failures=str(failures)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"{result.contract_id} {result.contract_version}",
        tests=str(len(result.results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{duration:.3f}",
        timestamp=result.started_at.isoformat(timespec="seconds"),
    )
    for r in result.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{result.contract_id}.{r.rule.table}",
            name=r.rule.id,
            time="0",
        )
        if r.passed:
            continue
        # the same sentence as the text report: what the rule was, what was found
        text = statement(r)
        facts = f"observed {json_safe(r.observed)}, expected {r.expected}"
        if r.failed_rows is not None:
            facts += f", failed rows {r.failed_rows}"
        detail = f"{text}\n{facts}" + (
            "\nsamples:\n"
            + "\n".join(json.dumps({k: json_safe(v) for k, v in s.items()}) for s in r.samples)
            if r.samples
            else ""
        )
        if r.blocking_failure:
            failure = ET.SubElement(
                case, "failure", message=f"{r.rule.check}: {text}", type=r.rule.check
            )
            failure.text = detail
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"WARNING {r.rule.check}: {detail}"
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
