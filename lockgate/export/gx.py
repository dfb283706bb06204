"""Great Expectations 1.x expectation suites, one per table, as JSON (`lockgate export --to gx`).

The format is described in `lockgate.gx.suite`; what maps to what is in docs/gx.md. Exporting needs
no GX installation and never imports it.
"""

from __future__ import annotations

from lockgate.contract.model import Contract


def render(contract: Contract, options) -> str:
    from lockgate.gx.suite import render as render_suites

    return render_suites(contract)


def notes(contract: Contract, options) -> list[str]:
    """One line for stderr naming the rules the suites leave out (their reasons are in the suites)."""
    from lockgate.gx.suite import not_exported

    skipped = not_exported(contract)
    if not skipped:
        return []
    names = ", ".join(s["rule"] for s in skipped)
    return [
        f"not exported to GX: {names} ({len(skipped)} rules; reasons in each suite's meta.lockgate_not_exported)"
    ]
