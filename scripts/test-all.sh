#!/usr/bin/env bash
# The whole test run: lint, types, import contracts, then pytest in a throwaway keyring session.
# As root it installs the system packages it needs. Arguments are passed to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

KEYRING_PACKAGES=(gnome-keyring libsecret-tools dbus-daemon dbus-bin)
TEST_PACKAGES=(xvfb xauth tinyproxy poppler-utils)

step() { echo "== $*" >&2; }

# pytest inside its own D-Bus session whose Secret Service (gnome-keyring) is unlocked, with fresh
# XDG dirs so that neither the user's keyring nor their data is ever touched. Returns pytest's code.
run_pytest() {
  local data run rc=0
  if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
    say "no dbus-run-session or gnome-keyring-daemon: keyring tests skip (they fail when CI is set)"
    step "pytest $*"
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest "$@"
    return
  fi
  data=$(mktemp -d -t parley-test-data.XXXXXX)
  run=$(mktemp -d -t parley-test-run.XXXXXX)
  chmod 700 "$run"
  step "pytest $*"
  env -u GNOME_KEYRING_CONTROL -u DBUS_SESSION_BUS_ADDRESS \
    XDG_DATA_HOME="$data" XDG_RUNTIME_DIR="$run" QT_QPA_PLATFORM=offscreen \
    dbus-run-session -- bash -c '
      echo -n parley-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
      exec .venv/bin/python -m pytest "$@"' pytest "$@" || rc=$?
  rm -rf "$data" "$run"
  return "$rc"
}

main() {
  ensure_packages "${PYTHON_PACKAGES[@]}" "${QT_PACKAGES[@]}" "${FONT_PACKAGES[@]}" "${KEYRING_PACKAGES[@]}" \
    "${TEST_PACKAGES[@]}"
  ensure_venv '.[test]'
  step "ruff check"
  .venv/bin/ruff check .
  step "ruff format --check"
  .venv/bin/ruff format --check .
  step "mypy"
  .venv/bin/mypy
  step "lint-imports"
  .venv/bin/lint-imports
  run_pytest "$@"
}

main "$@"
