#!/usr/bin/env bash
# The admin panel's browser tests (test/e2e/admin-browser.e2e-spec.ts) drive Debian's Chromium
# through playwright-core, which bundles no browser. Installs it where it is missing and this
# machine can (apt-get, as root); otherwise says what to do. CHROMIUM_PATH overrides the path.
set -uo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "chromium is not installed: installing Debian's chromium for the admin panel's browser tests"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }; then
    exit 0
  fi
fi
echo "chromium: not found at $CHROMIUM and not installable here; install it (apt-get install chromium) or set CHROMIUM_PATH, or the admin browser tests fail"
exit 1
