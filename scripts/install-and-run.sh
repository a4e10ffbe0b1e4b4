#!/usr/bin/env bash
# Installs Parley into .venv (and, as root, the system packages Qt needs), then starts it.
# Arguments are passed to parley: `bash scripts/install-and-run.sh ask "Hello"`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

ensure_packages "${PYTHON_PACKAGES[@]}" "${QT_PACKAGES[@]}" "${FONT_PACKAGES[@]}"
ensure_venv '.'
exec .venv/bin/parley "$@"
