"""Contract strings made safe for the text an exporter writes them into.

A contract is untrusted input, and its names and values end up in places with their own syntax:
comment lines of SQL and YAML (a line break in a column name would start a statement or a YAML
key), and dbt properties files, whose strings dbt renders with Jinja (`{% do run_query(...) %}`
in a pattern would run with dbt's write access). One helper per target.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# characters that end or hide a line: control characters, YAML's and Unicode's line and paragraph
# separators, and format characters (bidirectional overrides can make a comment look like code)
_BREAKING = frozenset(("Cc", "Zl", "Zp", "Cf"))
_JINJA_OPEN = re.compile(r"\{[{%#]")
# names dbt writes into SQL itself (model, column, `ref()`); a quote, brace or backslash would
# end the identifier or the Jinja string around it
_DBT_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"'`\\{}\u0085\u2028\u2029]")
_PLAIN_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def one_line(text: Any) -> str:
    """`text` with every character that could end or disguise a comment line shown escaped."""
    text = str(text)
    if all(unicodedata.category(ch) not in _BREAKING for ch in text):
        return text
    return "".join(_escaped(ch) if unicodedata.category(ch) in _BREAKING else ch for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def jinja_literal(text: str) -> str:
    """`text` such that Jinja renders it to itself: every `{` of a text that opens a Jinja tag
    becomes the expression `{{ "{" }}`. Texts without `{{`, `{%`, `{#` are left as they are
    (a regex's `{5}` stays readable). Unlike `{% raw %}`, a value cannot close the escape."""
    if not _JINJA_OPEN.search(text):
        return text
    return text.replace("{", '{{ "{" }}')


def jinja_literals(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """`jinja_literal` applied to every string in a YAML-ready structure, except the values of the
    keys in `keep` (lockgate's own Jinja, built from validated names)."""
    if isinstance(value, str):
        return jinja_literal(value)
    if isinstance(value, list):
        return [jinja_literals(v, keep) for v in value]
    if isinstance(value, dict):
        return {k: (v if k in keep else jinja_literals(v, keep)) for k, v in value.items()}
    return value


def dbt_safe_name(name: str) -> bool:
    """Whether dbt can put `name` into SQL or a `ref('...')` without it breaking out."""
    return not _DBT_UNSAFE_NAME.search(name)


def plain_identifier(name: str) -> bool:
    return bool(_PLAIN_IDENTIFIER.match(name))


def slack_text(text: Any) -> str:
    """`text` for Slack's mrkdwn: `<`, `>` and `&` escaped as Slack documents, so a rule id or an
    observed value cannot write `<!channel>` (a ping) or `<https://...|label>` (a disguised
    link)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
