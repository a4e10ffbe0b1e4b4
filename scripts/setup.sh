# shellcheck shell=bash disable=SC2034  # sourced: the arrays are used by the scripts that source it
# Shared by install-and-run.sh and test-all.sh (sourced, not run): system packages and the .venv.
# Works on a pristine Debian 12 as root with no stdin, and on a machine set up long ago.

# What Qt needs to draw offscreen, and to open a real X11 window (under Xvfb too).
QT_PACKAGES=(libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libxkbcommon0
  fonts-dejavu-core libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0)
# Every script on screen and in PDF exports: Chinese, Japanese and Korean, and colour emoji.
FONT_PACKAGES=(fonts-noto-cjk fonts-noto-color-emoji)
PYTHON_PACKAGES=(python3-venv python3-pip)

say() { echo "parley: $*" >&2; }

# The packages of "$@" that dpkg does not list as installed.
missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' \
      || echo "$pkg"
  done
}

# Installs the missing ones of "$@" with apt when root; otherwise says what is missing and goes on.
ensure_packages() {
  command -v dpkg-query >/dev/null || { say "not a Debian system: make sure these are installed: $*"; return 0; }
  local missing
  mapfile -t missing < <(missing_packages "$@")
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing system packages (install them as root): apt-get install --no-install-recommends ${missing[*]}"
  fi
}

# The Python to build the venv with: python3.11 when there is one, else python3.
pick_python() {
  local py
  for py in python3.11 python3; do
    command -v "$py" >/dev/null && { echo "$py"; return 0; }
  done
  say "no python3 found: install Python 3.11 or newer (apt-get install python3 python3-venv)"
  return 1
}

# Creates .venv when absent or broken, and installs the project as "$1" ('.' or '.[test]'),
# editable; skipped when pyproject.toml has not changed since the same install was last done.
ensure_venv() {
  local spec=$1 stamp=.venv/.parley-installed want py
  if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    py=$(pick_python) || return 1
    say "creating .venv with $($py --version 2>&1)"
    rm -rf .venv
    "$py" -m venv .venv
  fi
  want="$spec $(sha256sum pyproject.toml | cut -d' ' -f1)"
  # an install with the test extra also serves the plain one
  grep -qxF -e "$want" -e "${want/#. /.[test] }" "$stamp" 2>/dev/null && return 0
  # Parley's distribution was called `parley` up to 0.1.0: its entry points would load twice
  if compgen -G '.venv/lib/python3*/site-packages/parley-[0-9]*.dist-info' >/dev/null; then
    say "removing the old 'parley' distribution from .venv (it is 'parley-desktop' now)"
    .venv/bin/python -m pip uninstall -q -y --disable-pip-version-check parley
  fi
  rm -rf parley.egg-info  # its metadata, left in the tree, would list the entry points again
  say "installing Parley into .venv (pip install -e '$spec')"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"
  echo "$want" >"$stamp"
}
