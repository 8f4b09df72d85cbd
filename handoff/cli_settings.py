"""How `handoff settings` shows the settings: the README's table, and the effective
values with every secret masked."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr

from handoff.observability.redaction import REDACTED, redact
from handoff.settings import Settings


def settings_table() -> str:
    """Every setting as a Markdown table (the README's table is this output)."""
    lines = [
        "| setting | environment variable | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    prefix = Settings.model_config.get("env_prefix", "")
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if default is None:
            shown = "unset"
        elif isinstance(default, SecretStr):
            shown = "(secret)"
        else:
            shown = f"`{default}`"
        meaning = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | `{prefix}{name.upper()}` | {shown} | {meaning} |")
    return "\n".join(lines) + "\n"


def settings_lines(settings: Settings) -> list[str]:
    """`name = value` for every setting; passwords and tokens masked."""
    lines = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        secret = isinstance(value, SecretStr)
        shown = masked_url(value.get_secret_value()) if secret else redact(str(value))
        lines.append(f"{name} = {shown}")
    return lines


def masked_url(value: str) -> str:
    """A connection string with its password replaced, whatever characters it holds."""
    # everything between `scheme://user:` and the last "@": a password may hold "@", "/"
    # or "?" (URL parsers end the host part at the first "/", and would show the rest)
    scheme, sep, rest = value.partition("://")
    if sep and urlsplit(value).scheme and "@" in rest:
        userinfo, _, host = rest.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        if colon and "/" not in user:
            value = f"{scheme}://{user}:{REDACTED}@{host}"
    # (and a password given as ?password=... in the query)
    return redact(value)
