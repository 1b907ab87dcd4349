#!/usr/bin/env bash
# Print the environment for a test run isolated from the default one (its own database,
# RabbitMQ vhost, namespace and ports), so two suites can run at once on one machine:
#   eval "$(scripts/isolated-test-env.sh webhooks 3)" && .venv/bin/pytest tests/...
# The names and ports are defined once, in tests/common/env.py (xdist workers derive theirs
# from them).
set -euo pipefail
name=${1:?name}; slot=${2:?slot 1..9}
cd "$(dirname "$0")/.."
scripts/ensure-infra.sh "rekomi_test_$name" >/dev/null
python=.venv/bin/python; [ -x "$python" ] || python=python3
"$python" -m tests.common.env isolated "$name" "$slot"
