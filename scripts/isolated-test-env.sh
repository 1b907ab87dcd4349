#!/usr/bin/env bash
# Print the environment for a test run isolated from the default one (its own database,
# RabbitMQ vhost, namespace and ports), so two suites can run at once on one machine:
#   eval "$(scripts/isolated-test-env.sh webhooks 3)" && .venv/bin/pytest tests/...
set -euo pipefail
name=${1:?name}; slot=${2:?slot 1..9}
scripts/ensure-infra.sh "rekomi_test_$name" >/dev/null
cat <<ENV
export REKOMI_TEST_ISOLATED=1
export REKOMI_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rekomi_test_$name
export REKOMI_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/rekomi_test_$name
export REKOMI_NAMESPACE=rekomitest$name
export REKOMI_GATEWAY_PORT=$((20080 + slot * 100))
export REKOMI_OPS_BASE_PORT=$((20010 + slot * 100))
ENV
