"""Turn results.json into RESULTS.md and time_vs_rows.png.

    python -m benchmarks.report [benchmarks/results.json]   # re-render without re-running

RESULTS.md is generated; the analysis written by people lives in benchmarks/notes.md and is
appended as is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks.paths import HERE

PLOT = "time_vs_rows.png"
NOTES = HERE / "notes.md"

TARGETS = {
    "sql_ratio": 1.3,
    "per_rule_pct": 5.0,
    "check_rss_mb": 500,
    "help_s": 0.5,
    "small_check_s": 1.5,
    "dagster_s": 5.0,
}


def _s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


def _cpu_ratio(a: dict, base: dict) -> str:
    if a.get("median_cpu_s") is None or not base.get("median_cpu_s"):
        return "–"
    return _ratio(a["median_cpu_s"] / base["median_cpu_s"])


def _main_size(results: dict) -> dict | None:
    return next((s for s in results["sizes"] if s["rows"] == results["main_rows"]), None)


def main_table(results: dict, size: dict) -> list[str]:
    labels = results["approaches"]
    base = size["approaches"]["handwritten"]
    lines = [
        f"### {size['rows']:,} rows, {size['n_rules']} rules, {size['repeat']} repetitions",
        "",
        "| approach | median s | min s | max s | ratio to (a) | ratio of mins | CPU s (median) | CPU ratio | process wall s (median) | peak RSS MB | parts (medians) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, label in labels.items():
        if key in size.get("skipped", {}):
            lines.append(f"| {label} | not run: {size['skipped'][key]} | | | | | | | | | |")
            continue
        a = size["approaches"].get(key)
        if a is None:
            continue
        parts = ", ".join(
            f"{k.removesuffix('_s')} {_s(v)}" for k, v in sorted(a["details"].items())
        )
        lines.append(
            f"| {label} | {_s(a['median_s'])} | {_s(a['min_s'])} | {_s(a['max_s'])} | {_ratio(a['median_s'] / base['median_s'])} | {_ratio(a['min_s'] / base['min_s'])} "
            f"| {_s(a.get('median_cpu_s'))} | {_cpu_ratio(a, base)} | {_s(a['median_wall_s'])} | {a['peak_rss_mb']:.0f} | {parts} |"
        )
    lines += [
        "",
        "`median s` is the timed part (see *What is timed* below); for the CLI it is the whole process. "
        "`ratio of mins` compares the fastest repetitions, the least disturbed by the machine's other load. "
        "`CPU s` is the user + system time of the timed part, all threads (the CLI: of the whole process), which other load on the machine disturbs less than wall time. "
        "`process wall` is the fresh child process from spawn to exit, interpreter start-up and imports included. "
        "Peak RSS is the child's high-water mark (`os.wait4`).",
        "",
    ]
    return lines


def growth_table(results: dict) -> list[str]:
    sizes = results["sizes"]
    labels = results["approaches"]
    head = (
        "| approach | "
        + " | ".join(f"{s['rows']:,} rows" for s in sizes)
        + " | growth first→last |"
    )
    lines = [head, "|---|" + "---:|" * (len(sizes) + 1)]
    for key, label in labels.items():
        cells = []
        vals = []
        for s in sizes:
            a = s["approaches"].get(key)
            if a is None:
                cells.append("–")
                continue
            ratio = a["median_s"] / s["approaches"]["handwritten"]["median_s"]
            cells.append(f"{_s(a['median_s'])} s ({_ratio(ratio)})")
            vals.append((s["rows"], a["median_s"]))
        growth = (
            f"{vals[-1][1] / vals[0][1]:.1f}× for {vals[-1][0] / vals[0][0]:.0f}× rows"
            if len(vals) > 1
            else "–"
        )
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {growth} |")
    return lines + ["", "Cells: median seconds (ratio to the hand-written query at that size).", ""]


def scaling_table(rs: dict) -> list[str]:
    lines = [
        f"At {rs['rows']:,} rows, {rs['repeat']} repetitions; contracts are prefixes of the catalogue in `benchmarks/rules.py`.",
        "",
        "| rules | (a) median s | lockgate SQL median s | ratio | (a) CPU s | lockgate CPU s | CPU ratio | (a) peak RSS MB | lockgate peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in rs["counts"]:
        row = rs["by_count"][str(n)]
        h, l = row["handwritten"], row["lockgate_sql"]
        lines.append(
            f"| {n} | {_s(h['median_s'])} | {_s(l['median_s'])} | {_ratio(l['median_s'] / h['median_s'])} "
            f"| {_s(h.get('median_cpu_s'))} | {_s(l.get('median_cpu_s'))} | {_cpu_ratio(l, h)} | {h['peak_rss_mb']:.0f} | {l['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "| | slope s/rule | intercept s | slope as % of the 25-rule check | slope as % of the smallest contract |",
        "|---|---:|---:|---:|---:|",
    ]
    names = {
        "handwritten": "(a) hand-written, wall",
        "lockgate_sql": "lockgate SQL, wall",
        "handwritten_cpu": "(a) hand-written, CPU",
        "lockgate_sql_cpu": "lockgate SQL, CPU",
    }
    for key, m in rs["marginal"].items():
        lines.append(
            f"| {names.get(key, key)} | {m['slope_s_per_rule']:.4f} | {m['intercept_s']:.3f} | {m['pct_of_standard_check']:.1f} % | {m['pct_of_smallest']:.1f} % |"
        )
    return lines + [""]


def startup_table(st: dict) -> list[str]:
    lines = [
        "| command | median s | min s | max s | CPU s (median) | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, v in st.items():
        lines.append(
            f"| `{name}` | {_s(v['median_s'])} | {_s(v['min_s'])} | {_s(v['max_s'])} | {_s(v.get('median_cpu_s'))} | {v['peak_rss_mb']:.0f} |"
        )
    return lines + [""]


def dagster_table(dg: dict) -> list[str]:
    lines = [
        dg.get("note", ""),
        "",
        "| variant | median s | min s | max s | CPU s (median) | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, v in dg["variants"].items():
        lines.append(
            f"| {name} | {_s(v['median_s'])} | {_s(v['min_s'])} | {_s(v['max_s'])} | {_s(v.get('median_cpu_s'))} | {v['peak_rss_mb']:.0f} |"
        )
    return lines + [""]


def parity_lines(results: dict) -> list[str]:
    lines = []
    for size in results["sizes"]:
        parts = []
        for key, p in size["parity"].items():
            status = (
                "same"
                if not p["mismatches"]
                else f"**{len(p['mismatches'])} differ**: {p['mismatches']}"
            )
            extra = f", {len(p['not_compared'])} not comparable" if p["not_compared"] else ""
            parts.append(f"{key}: {p['compared']} metrics {status}{extra}")
        lines.append(f"- {size['rows']:,} rows — " + "; ".join(parts))
    gx_notes = {
        k: v
        for s in results["sizes"]
        for k, v in s["parity"].get("gx", {}).get("not_compared", {}).items()
    }
    if gx_notes:
        lines.append(
            "- GX, not compared (different definition or no core expectation): "
            + "; ".join(f"`{k}`: {v}" for k, v in gx_notes.items())
        )
    return lines + [""]


def targets(results: dict) -> list[str]:
    rows = []
    size = _main_size(results)

    def add(name: str, value: str, ok: bool | None, target: str) -> None:
        verdict = "–" if ok is None else ("met" if ok else "**missed**")
        rows.append(f"| {name} | {target} | {value} | {verdict} |")

    if size:
        a = size["approaches"]
        ab = results.get("ab", {}).get("approaches") or a  # the tight A/B when the run has one
        where = (
            f"tight A/B, {results['ab']['repeat']} repetitions"
            if "ab" in results
            else f"{size['repeat']} repetitions"
        )
        ratio = (
            ab["lockgate_sql"]["median_s"] / ab["handwritten"]["median_s"]
            if "lockgate_sql" in ab
            else None
        )
        add(
            f"lockgate SQL engine vs hand-written, {size['rows']:,} rows ({where})",
            _ratio(ratio),
            None if ratio is None else ratio <= TARGETS["sql_ratio"],
            f"≤ {TARGETS['sql_ratio']}×",
        )
        if "lockgate_sql" in ab:
            add(
                "… the same in CPU time",
                _cpu_ratio(ab["lockgate_sql"], ab["handwritten"]),
                None,
                "(supporting)",
            )
            add(
                "… the same, ratio of the fastest repetitions",
                _ratio(ab["lockgate_sql"]["min_s"] / ab["handwritten"]["min_s"]),
                None,
                "(supporting)",
            )
        if "lockgate_sql" in a and "ab" in results:
            add(
                f"… in the main comparison ({size['repeat']} repetitions, all approaches)",
                _ratio(a["lockgate_sql"]["median_s"] / a["handwritten"]["median_s"]),
                None,
                "(supporting)",
            )
        if "lockgate_cli" in a:
            cli = max(
                (x["lockgate_cli"] for x in (a, ab) if "lockgate_cli" in x),
                key=lambda c: c["peak_rss_mb"],
            )
            add(
                f"peak RSS of `lockgate check`, {size['rows']:,} rows (max of the repetitions)",
                f"{cli['peak_rss_mb']:.0f} MB",
                cli["peak_rss_mb"] < TARGETS["check_rss_mb"],
                f"< {TARGETS['check_rss_mb']} MB",
            )
            wall_ratio = (
                ab["lockgate_cli"]["median_s"] / ab["handwritten"]["median_wall_s"]
                if "lockgate_cli" in ab
                else cli["median_s"] / a["handwritten"]["median_wall_s"]
            )
            add(
                "`lockgate check` process vs a Python process running (a)",
                _ratio(wall_ratio),
                None,
                "(context)",
            )
    rs = results.get("rule_scaling")
    if rs and "lockgate_sql" in rs["marginal"]:
        m = rs["marginal"]["lockgate_sql"]
        add(
            "cost of an extra rule (slope, % of the 25-rule check)",
            f"{m['pct_of_standard_check']:.1f} % ({m['slope_s_per_rule'] * 1000:.0f} ms)",
            m["pct_of_standard_check"] <= TARGETS["per_rule_pct"],
            f"≤ {TARGETS['per_rule_pct']:.0f} %",
        )
        for key, label in (
            ("lockgate_sql_cpu", "… the same in CPU time"),
            ("handwritten", "… for the hand-written query (a), wall"),
        ):
            if key in rs["marginal"]:
                c = rs["marginal"][key]
                add(
                    label,
                    f"{c['pct_of_standard_check']:.1f} % ({c['slope_s_per_rule'] * 1000:.0f} ms)",
                    None,
                    "(supporting)",
                )
    st = results.get("startup")
    if st:
        help_s = st["lockgate --help"]["median_s"]
        add(
            "`lockgate --help`",
            f"{help_s:.3f} s",
            help_s < TARGETS["help_s"],
            f"< {TARGETS['help_s']} s",
        )
        small = next(v for k, v in st.items() if k.startswith("lockgate check"))
        add(
            "`lockgate check`, 1,000-row table, end to end",
            f"{small['median_s']:.3f} s",
            small["median_s"] < TARGETS["small_check_s"],
            f"< {TARGETS['small_check_s']} s",
        )
    dg = results.get("dagster")
    if dg:
        for name in dg["headlines"]:
            v = dg["variants"][name]
            add(
                f"Dagster code location, {dg['contracts']} contracts ({name})",
                f"{v['median_s']:.2f} s",
                v["median_s"] < TARGETS["dagster_s"],
                f"< {TARGETS['dagster_s']} s",
            )
    return ["| target | goal | measured (median) | |", "|---|---|---:|---|", *rows, ""]


def markdown(results: dict) -> str:
    m = results["machine"]
    v = m["versions"]
    lines = [
        "# lockgate benchmarks",
        "",
        "Generated by `benchmarks/report.py` from `results.json`. Re-run with:",
        "",
        "```bash",
        ".venv/bin/python -m benchmarks.run            # this file: 10M rows x 5, plus 1M and 3M x 3, rule scaling, start-up, Dagster",
        ".venv/bin/python -m benchmarks.run --quick    # a 20k-row smoke test into benchmarks/out/quick/",
        ".venv/bin/python -m benchmarks.report         # re-render RESULTS.md and the plot from results.json",
        "```",
        "",
        f"This run: `{results['command']}` — started {results['started']}, took {results.get('duration_s', 0) / 60:.0f} min.",
        "",
        f"**Machine:** {m['cpu_model']}, {m['logical_cores']} logical cores, {m['ram_gb']} GB RAM, {m['os']}; "
        f"load average at start {m['load_average_start']}, at end {m.get('load_average_end')} (a shared machine: compare ratios, not seconds). "
        f"Python {m['python']}, PYTHONDONTWRITEBYTECODE={m['pythondontwritebytecode'] or 'unset'}, lockgate at commit {m['lockgate_commit'] or '?'} (plus the working tree).",
        "",
        "**Versions:** " + ", ".join(f"{k} {val}" for k, val in v.items() if val),
        "",
        "## Targets",
        "",
        *targets(results),
        "## Main comparison",
        "",
    ]
    size = _main_size(results)
    if size:
        lines += main_table(results, size)
    if results.get("ab"):
        lines += [
            "## Tight A/B: the SQL engine against the hand-written query",
            "",
            "The three approaches the SQL-engine target concerns, interleaved, with more repetitions, at the end of the size runs.",
            "",
            *main_table(results, results["ab"])[2:],
        ]
    lines += [
        "## Growth with table size",
        "",
        f"![time vs rows]({PLOT})",
        "",
        *growth_table(results),
    ]
    for s in results["sizes"]:
        if s is not size:
            lines += main_table(results, s)
    if results.get("rule_scaling"):
        lines += ["## Cost of an extra rule", "", *scaling_table(results["rule_scaling"])]
    if results.get("startup"):
        lines += [
            "## Start-up",
            "",
            "Each a fresh process, timed from spawn to exit.",
            "",
            *startup_table(results["startup"]),
        ]
    if results.get("dagster"):
        lines += ["## Dagster code location loading", "", *dagster_table(results["dagster"])]
    lines += [
        "## Same metrics from every approach",
        "",
        "First repetition of each approach against the hand-written query, rule by rule:",
        "",
        *parity_lines(results),
    ]
    if NOTES.exists():
        lines += [NOTES.read_text().rstrip(), ""]
    return "\n".join(lines)


# One fixed look per approach: a colour, a marker and a line style that differ from every other,
# so the ten series stay apart in print and for colour-blind readers (lockgate's own are solid).
STYLES = {
    "handwritten": ("#000000", "o", "-"),
    "handwritten_default": ("#7f7f7f", "s", ":"),
    "handwritten_split": ("#8c564b", "D", "--"),
    "lockgate_sql": ("#d62728", "^", "-"),
    "lockgate_cli": ("#ff7f0e", "v", "-"),
    "frame": ("#2ca02c", "P", "-"),
    "gx": ("#9467bd", "*", "-."),
    "per_rule": ("#1f77b4", "X", "--"),
    "handwritten_parquet": ("#17becf", "h", ":"),
    "lockgate_sql_parquet": ("#e377c2", ">", "-"),
}
SECONDS_TICKS = (0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 500)
RATIO_TICKS = (0.5, 0.8, 1, 1.3, 2, 3, 5, 10, 20, 30, 50, 100)


def _log_axis(ax, candidates: tuple[float, ...], values: list[float], fmt: str) -> list[float]:
    """A log axis with labelled ticks at round values, its limits a little beyond the data."""
    low, high = min(values) / 1.25, max(values) * 1.25
    ticks = [t for t in candidates if low <= t <= high]
    ax.set_yticks(ticks, [fmt.format(t) for t in ticks])
    ax.set_ylim(low, high)
    ax.minorticks_off()
    return ticks


def figure(results: dict):
    """The two panels (seconds, ratio to the hand-written query) against rows; returns the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 6.2))
    seconds: list[float] = []
    ratios: list[float] = []
    for i, (key, label) in enumerate(results["approaches"].items()):
        pts = [(s["rows"], s["approaches"][key]["median_s"], s["approaches"][key]["median_s"] / s["approaches"]["handwritten"]["median_s"])
               for s in sizes if key in s["approaches"]]  # fmt: skip
        if not pts:
            continue
        color, marker, line = STYLES.get(key, (f"C{i % 10}", "osD^vP*X"[i % 8], "-"))
        xs = [p[0] / 1e6 for p in pts]
        ours = key.startswith("lockgate")
        style = dict(color=color, marker=marker, linestyle=line, label=label, markersize=7 if ours else 6,
                     linewidth=2.2 if key in ("handwritten", "lockgate_sql") else 1.4)  # fmt: skip
        left.plot(xs, [p[1] for p in pts], **style)
        right.plot(xs, [p[2] for p in pts], **style)
        seconds += [p[1] for p in pts]
        ratios += [p[2] for p in pts]
    ticks = [s["rows"] / 1e6 for s in sizes]
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(ticks, [f"{t:g}M" if t >= 1 else f"{t * 1000:g}k" for t in ticks])
        ax.minorticks_off()
        ax.grid(True, which="major", alpha=0.3)
        ax.set_xlabel("rows in the table")
    _log_axis(left, SECONDS_TICKS, seconds, "{:g} s")
    left.set_ylabel("median seconds (timed part)")
    left.set_title(f"Validating a {sizes[-1]['n_rules']}-rule contract")
    _log_axis(right, RATIO_TICKS, ratios + [1.3], "{:g}×")
    right.set_ylabel("× the hand-written fused query")
    right.set_title("Ratio to the hand-written fused query (a)")
    right.axhline(1.3, color="grey", linestyle="--", linewidth=1)
    right.annotate(
        "1.3× target",
        (ticks[-1], 1.3),
        textcoords="offset points",
        xytext=(-60, 4),
        color="grey",
        fontsize=8,
    )
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    m = results["machine"]
    fig.suptitle(
        f"lockgate benchmark — {m['logical_cores']} cores, {m['ram_gb']} GB, DuckDB {m['versions'].get('duckdb')}",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.17, 1, 0.95))
    return fig


def plot(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig = figure(results)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "RESULTS.md").write_text(markdown(results))
    plot(results, out / PLOT)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results.json"
    write(json.loads(path.read_text()), path.parent)
    print(f"wrote {path.parent / 'RESULTS.md'} and {path.parent / PLOT}")


if __name__ == "__main__":
    main()
