"""The deployment files in deploy/: systemd units that systemd accepts, scripts that parse, consistent paths."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:  # CI installs it (.ci/system-packages: systemd)
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    return found


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` on copies whose ExecStart binaries exist here (it insists on that)."""
    analyze = _systemd_analyze()
    units = tmp_path / "units"
    units.mkdir()
    bot = (DEPLOY / "ketluan.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/ketluan/.venv/bin/python main.py run" in bot
    (units / "ketluan.service").write_text(bot.replace("/opt/ketluan/.venv/bin/python", sys.executable))
    shutil.copytree(DEPLOY / "ketluan.service.d", units / "ketluan.service.d")
    api = (DEPLOY / "telegram-bot-api.service").read_text(encoding="utf-8")
    assert "ExecStart=/usr/local/bin/telegram-bot-api --local" in api
    (units / "telegram-bot-api.service").write_text(api.replace("/usr/local/bin/telegram-bot-api", "/bin/true"))
    res = subprocess.run(
        [analyze, "verify", str(units / "ketluan.service"), str(units / "telegram-bot-api.service")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{units}:", "SYSTEMD_LOG_COLOR": "0"},
    )
    ours = [line for line in (res.stdout + res.stderr).splitlines() if str(units) in line or "ketluan" in line]
    assert res.returncode == 0, res.stdout + res.stderr
    assert ours == [], "systemd-analyze complained about our units:\n" + "\n".join(ours)


def test_bot_unit_keeps_its_data_dir_writable() -> None:
    unit = (DEPLOY / "ketluan.service").read_text(encoding="utf-8")
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, flags=re.MULTILINE))
    assert settings["User"] == "ketluan"
    assert settings["WorkingDirectory"] == "/opt/ketluan"
    assert settings["EnvironmentFile"] == "/etc/ketluan/ketluan.env"
    assert settings["Environment"] == "KETLUAN_DATA_DIR=/var/lib/ketluan"
    assert settings["StateDirectory"] == "ketluan"
    assert settings["ProtectSystem"] == "strict"
    assert re.findall(r"^ReadWritePaths=(.*)$", unit, flags=re.MULTILINE) == [
        "/var/lib/ketluan",
        "-/srv/backup/ketluan",
    ]
    assert settings["Restart"] == "on-failure"
    assert settings["NoNewPrivileges"] == "true"
    assert settings["PrivateTmp"] == "true"


def test_env_example_names_only_real_settings() -> None:
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    named = re.findall(r"^#?(KETLUAN_\w+)=", (DEPLOY / "ketluan.env.example").read_text(encoding="utf-8"), re.M)
    assert "KETLUAN_TELEGRAM_TOKEN" in named
    assert set(named) <= known, set(named) - known


def test_compose_file_shares_the_file_path_with_the_host() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["telegram-bot-api"]
    assert service["image"].startswith("aiogram/telegram-bot-api")
    assert service["environment"]["TELEGRAM_LOCAL"]
    assert "/var/lib/telegram-bot-api:/var/lib/telegram-bot-api" in service["volumes"]
    assert service["ports"] == ["127.0.0.1:8081:8081"]
    assert service["env_file"] == ["/etc/telegram-bot-api/telegram-bot-api.env"]


@pytest.mark.parametrize(("shell", "script"), [("bash", "install.sh"), ("sh", "ketluan")])
def test_scripts_parse(shell: str, script: str) -> None:
    path = DEPLOY / script
    assert os.access(path, os.X_OK), f"{script} must be executable"
    subprocess.run([shell, "-n", str(path)], check=True, timeout=30)
    shellcheck = shutil.which("shellcheck")
    if shellcheck:
        subprocess.run([shellcheck, str(path)], check=True, timeout=60)


@pytest.mark.skipif(not IS_ROOT, reason="the wrapper switches users with runuser, which needs root")
def test_wrapper_runs_the_cli_with_the_env_file(tmp_path: Path) -> None:
    """deploy/ketluan reads the environment file like the unit (quoted values with spaces included)."""
    data = tmp_path / "data"
    env_file = tmp_path / "ketluan.env"
    env_file.write_text(
        f'KETLUAN_DATA_DIR={data}\nKETLUAN_ORG_NAME="Văn phòng Ủy ban nhân dân tỉnh"\n'
        f"KETLUAN_WHISPER_MODEL={tmp_path / 'no-model'}\n",
        encoding="utf-8",
    )
    res = subprocess.run(
        [str(DEPLOY / "ketluan"), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("KETLUAN_")},
            "KETLUAN_PREFIX": str(ROOT),
            "KETLUAN_ENV_FILE": str(env_file),
            "KETLUAN_USER": "root",
        },
    )
    assert res.returncode == 1, res.stderr  # the model is missing on purpose
    results = {r["key"]: r for r in json.loads(res.stdout)}
    assert results["data_dir"]["status"] == "ok"
    assert str(data) in results["data_dir"]["message"]
    assert (data / "ketluan.db").is_file()
