#!/usr/bin/env bash
# Install or update ketluan as a systemd service on Debian 12 (README.md, "Deploying").
#
#   sudo deploy/install.sh            from an unpacked copy of the source (git clone or archive)
#
# Idempotent: run it again after fetching a new version to update. It
#   1. installs the Debian packages the bot needs (python3-venv, LibreOffice, fonts, rsync),
#   2. creates the system user `ketluan`,
#   3. copies the code to /opt/ketluan (owned by root; the bot only reads it),
#   4. creates or updates the virtual environment /opt/ketluan/.venv and installs ketluan into it,
#   5. puts /etc/ketluan/ketluan.env in place from the example (only if missing: never overwritten),
#   6. installs ketluan.service and the `ketluan` command (/usr/local/bin/ketluan), enables the unit,
#   7. runs `ketluan doctor`, and restarts the bot when a token is configured.
#
# Environment: KETLUAN_SKIP_APT=1 skips step 1 (packages installed by other means).
set -euo pipefail

PREFIX=/opt/ketluan
CONF_DIR=/etc/ketluan
ENV_FILE=$CONF_DIR/ketluan.env
DATA_DIR=/var/lib/ketluan
BACKUP_DIR=/srv/backup/ketluan  # ReadWritePaths= of the unit: where KETLUAN_BACKUP_DIR may point
SERVICE_USER=ketluan
UNIT=/etc/systemd/system/ketluan.service
APT_PACKAGES=(python3 python3-venv libreoffice-writer-nogui fonts-liberation2 fontconfig rsync ca-certificates)

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '\n== %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
    echo "install.sh: run it as root: sudo $0" >&2
    exit 1
fi
if [[ ! -f $SRC/main.py || ! -f $SRC/pyproject.toml ]]; then
    echo "install.sh: $SRC does not look like the ketluan source tree" >&2
    exit 1
fi

if [[ ${KETLUAN_SKIP_APT:-0} != 1 ]]; then
    missing=()
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        say "Installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
fi

if ! getent group "$SERVICE_USER" >/dev/null; then
    say "Creating the group $SERVICE_USER"
    groupadd --system "$SERVICE_USER"
fi
if ! getent passwd "$SERVICE_USER" >/dev/null; then
    say "Creating the system user $SERVICE_USER"
    useradd --system --gid "$SERVICE_USER" --home-dir "$DATA_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "ketluan Telegram bot" "$SERVICE_USER"
fi
install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$DATA_DIR"
install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$BACKUP_DIR"

if [[ $SRC != "$PREFIX" ]]; then
    say "Copying $SRC to $PREFIX"
    install -d -m 0755 "$PREFIX"
    # Code only: never the source's own venv, data, caches or git history; keep the target's .venv.
    rsync -a --delete --chown=root:root \
        --exclude=/.venv --exclude=/.venv-openai --exclude=/data --exclude=/.git --exclude=/.env \
        --exclude=__pycache__ --exclude=.pytest_cache --exclude=.mypy_cache --exclude=.ruff_cache \
        --exclude=/tests/artifacts --exclude='*.egg-info' --exclude=/build \
        "$SRC/" "$PREFIX/"
fi

say "Installing ketluan into $PREFIX/.venv"
if [[ ! -x $PREFIX/.venv/bin/python ]]; then
    python3 -m venv "$PREFIX/.venv"
fi
"$PREFIX/.venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
"$PREFIX/.venv/bin/pip" install --quiet --disable-pip-version-check "$PREFIX"
# The unit's file system is read-only: compile now, or every start compiles again in memory.
"$PREFIX/.venv/bin/python" -m compileall -q "$PREFIX/main.py" "$PREFIX/core" "$PREFIX/nlp" "$PREFIX/render" \
    "$PREFIX/storage" "$PREFIX/jobs" "$PREFIX/bot" >/dev/null || true

install -d -m 0750 -o root -g "$SERVICE_USER" "$CONF_DIR"
if [[ ! -e $ENV_FILE ]]; then
    say "Creating $ENV_FILE from the example: put the bot token in it"
    install -m 0640 -o root -g "$SERVICE_USER" "$PREFIX/deploy/ketluan.env.example" "$ENV_FILE"
fi

say "Installing the systemd unit and the ketluan command"
install -m 0644 "$PREFIX/deploy/ketluan.service" "$UNIT"
install -m 0755 "$PREFIX/deploy/ketluan" /usr/local/bin/ketluan
systemctl daemon-reload
systemctl enable ketluan.service >/dev/null

say "Checking the installation (ketluan doctor)"
/usr/local/bin/ketluan doctor || true

if grep -Eq '^KETLUAN_TELEGRAM_TOKEN=.+' "$ENV_FILE"; then
    say "Restarting the bot"
    systemctl restart ketluan.service
    systemctl --no-pager --lines=5 status ketluan.service || true
else
    say "Next: put KETLUAN_TELEGRAM_TOKEN (and KETLUAN_ADMIN_IDS) in $ENV_FILE, then: sudo systemctl restart ketluan"
fi
