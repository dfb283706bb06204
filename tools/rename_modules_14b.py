"""Issue 14b module moves: git mv each file, then rewrite dotted and slash references.

Usage: python move.py [--rewrite-only] ROOT   (--rewrite-only: the references only, for a branch
that merges after the files moved)."""

import pathlib
import re
import subprocess
import sys

# old module -> new module (a package maps with its submodules)
MAPPING = {
    "lockgate.engines.results": "lockgate.results.model",
    "lockgate.notebook": "lockgate.results.notebook",
    "lockgate.engines.sql.connectors": "lockgate.connectors",
    "lockgate.engines.sql.safety": "lockgate.connectors.safety",
    "lockgate.engines.sql_rules": "lockgate.connectors.safety.sql_rules",
    "lockgate.state.sql_profile": "lockgate.engines.sql.profile",
    "lockgate.state.frame_profile": "lockgate.engines.frame.profile",
    "lockgate.state.profile": "lockgate.profile.model",
    "lockgate.state.drift": "lockgate.profile.drift",
    "lockgate.state.categories": "lockgate.profile.categories",
    "lockgate.engines.judge": "lockgate.judge.verdicts",
    "lockgate.engines.freshness": "lockgate.judge.freshness",
    "lockgate.engines.run": "lockgate.validation",
    "lockgate.quarantine.policy": "lockgate.contract.quarantine_policy",
    "lockgate.review.describe": "lockgate.contract.describe",
}
NEW_PACKAGES = ["lockgate/results", "lockgate/profile", "lockgate/judge"]


def path_of(mod, root):
    p = root / mod.replace(".", "/")
    return p if p.is_dir() else p.with_suffix(".py")


def main():
    args = sys.argv[1:]
    rewrite_only = "--rewrite-only" in args
    root = pathlib.Path([a for a in args if not a.startswith("--")][0])
    if not rewrite_only:
        for pkg in NEW_PACKAGES:
            (root / pkg).mkdir(exist_ok=True)
        for old, new in MAPPING.items():
            src = path_of(old, root)
            dst = root / (new.replace(".", "/") + ("" if src.is_dir() else ".py"))
            dst.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "mv", str(src), str(dst)], cwd=root, check=True)
    olds = sorted(MAPPING, key=len, reverse=True)
    dotted = re.compile(r"(?<![\w.])(" + "|".join(re.escape(o) for o in olds) + r")(?![\w])")
    slashed = re.compile(
        r"(?<![\w/])("
        + "|".join(re.escape(o.replace(".", "/")) for o in olds)
        + r")(?=[/.\s`'\")]|$)"
    )
    # this file itself keeps the old names: it is the mapping
    globs = ["*.py", "*.md", "*.toml", "*.yaml", "*.yml", "*.cfg", "Makefile"]
    files = subprocess.run(
        ["git", "ls-files", *globs], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        f = root / name
        if not f.is_file() or name == "tools/rename_modules_14b.py":
            continue
        text = f.read_text()
        new = dotted.sub(lambda m: MAPPING[m.group(1)], text)
        new = slashed.sub(lambda m: MAPPING[m.group(1).replace("/", ".")].replace(".", "/"), new)
        if new != text:
            f.write_text(new)
            print("rewrote", name)


main()
