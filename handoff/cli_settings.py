"""How `handoff settings` shows the settings: the README's table, and the effective
values with every secret masked."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

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
    parts = urlsplit(value)
    if parts.scheme and parts.netloc and "@" in parts.netloc:
        userinfo, _, host = parts.netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        masked = f"{user}:{REDACTED}@{host}" if ":" in userinfo else parts.netloc
        # (and a password given as ?password=... in the query)
        return redact(urlunsplit(parts._replace(netloc=masked)))
    return redact(value)
