"""The systemd units' restart policies agree with the exit statuses of `handoff`
(`handoff.cli_errors`): only "could not reach a server" (75) is worth another try for the
one-shot migration, a bad setting (2) is never retried, and the long-running services do
not give up after systemd's default start limit."""

from __future__ import annotations

from pathlib import Path

from handoff.cli_errors import UNREACHABLE

UNITS = Path(__file__).resolve().parents[2] / "infra" / "systemd"
BAD_SETTING = 2
OTHER_FAILURE = 1


def _settings(name: str) -> dict[str, dict[str, str]]:
    """section -> key -> value of a unit file (the last assignment wins, as in systemd)."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current[key.strip()] = value.strip()
    return sections


def _restarts_after(unit: dict[str, dict[str, str]], status: int) -> bool:
    """Whether systemd restarts the service when its main process exits with `status`
    (the subset of systemd's rules these units use)."""
    service = unit["Service"]
    if str(status) in service.get("RestartPreventExitStatus", "").split():
        return False
    if str(status) in service.get("RestartForceExitStatus", "").split():
        return True
    return status != 0 and service.get("Restart", "no") in {"on-failure", "always"}


def test_migrate_retries_only_while_postgresql_cannot_be_reached() -> None:
    unit = _settings("handoff-migrate.service")
    assert unit["Service"]["Type"] == "oneshot"
    assert _restarts_after(unit, UNREACHABLE)
    assert not _restarts_after(unit, OTHER_FAILURE)  # a refused or changed migration
    assert not _restarts_after(unit, BAD_SETTING)
    # the retries are not cut short by the start limit
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"


def test_services_restart_on_failure_but_not_on_a_bad_setting() -> None:
    for name in ("handoff-api.service", "handoff-worker.service"):
        unit = _settings(name)
        assert _restarts_after(unit, UNREACHABLE), name
        assert _restarts_after(unit, OTHER_FAILURE), name  # a crash, a stale schema
        assert not _restarts_after(unit, BAD_SETTING), name
        assert not _restarts_after(unit, 0), name
        assert unit["Unit"]["StartLimitIntervalSec"] == "0", name
