#!/usr/bin/env bash
# `npm test`: every tier (unit, real Postgres/Redis, whole app over HTTP) against this machine's
# services. Ends with one line "jest: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/ensure-services.sh || { echo "jest: 0 passed, 1 failed, 0 skipped"; exit 1; }
# the admin panel's browser tests need Chromium; without it they fail with a message saying so
bash scripts/ensure-chromium.sh || true

if ! npm run --silent typecheck; then
  echo "typecheck failed (see above)"
  echo "jest: 0 passed, 1 failed, 0 skipped"
  exit 1
fi

npx jest --config test/jest.config.js --ci --maxWorkers=2 "$@"
