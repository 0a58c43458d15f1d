#!/usr/bin/env bash
# `npm run demo`: everything a newcomer needs, in order. Installs, builds, makes sure PostgreSQL and
# Redis answer, then `plugboard demo` migrates, seeds a demo tenant and operator, starts the
# platform simulators and serves the API, printing where to look.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/ensure-services.sh
npm run --silent build
exec node dist/cli.js demo
