#!/usr/bin/env bash
# Installs schemathesis (the API fuzzer of test/integration/api-fuzz.test.ts) from PyPI into a
# virtualenv, once per machine: the venv is keyed by the hash of schemathesis-requirements.txt
# (every package pinned), so a new pin installs anew and an unchanged one is reused at once.
# Prints the path of the schemathesis executable on its last line. Installs python3-venv with
# apt-get when this Python cannot make a virtualenv (a fresh Debian lacks it; needs root then).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQUIREMENTS="$HERE/schemathesis-requirements.txt"
CACHE="${SLIPWAY_SCHEMATHESIS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/schemathesis}"
VENV="$CACHE/$(sha256sum "$REQUIREMENTS" | cut -c1-16)"
log() { echo "[schemathesis] $*" >&2; }
fail() { echo "schemathesis.sh: FAILED: $*" >&2; exit 1; }

# Written last: a venv without it is a broken install (interrupted), redone from scratch.
if [ -f "$VENV/.installed" ] && [ -x "$VENV/bin/schemathesis" ]; then
  echo "$VENV/bin/schemathesis"
  exit 0
fi

mkdir -p "$CACHE"
# One install at a time: a second caller waits, then finds it installed.
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$VENV/.installed" ] && [ -x "$VENV/bin/schemathesis" ]; then
  echo "$VENV/bin/schemathesis"
  exit 0
fi

# Debian's python3 first (what a fresh machine has), else whichever python3 is on the PATH.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON="$(command -v python3 || true)"
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "python3 with venv is missing: apt-get install python3-venv (as root)"
  log "installing python3-venv"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q python3 python3-venv >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q python3 python3-venv >/dev/null; } \
    || fail "apt-get install python3 python3-venv"
  PYTHON=/usr/bin/python3
fi

log "installing $(grep -m1 '^schemathesis==' "$REQUIREMENTS") into $VENV"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV" || fail "$PYTHON -m venv $VENV"
"$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check -r "$REQUIREMENTS" \
  || { rm -rf "$VENV"; fail "pip install -r $REQUIREMENTS"; }
"$VENV/bin/schemathesis" --version >/dev/null || { rm -rf "$VENV"; fail "the installed schemathesis does not run"; }
touch "$VENV/.installed"
echo "$VENV/bin/schemathesis"
