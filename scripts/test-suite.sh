#!/usr/bin/env bash
# The pytest part of `make test`. The suite runs on REKOMI_TEST_WORKERS pytest-xdist workers
# (2 by default; 0 runs it in one process), each with a database, RabbitMQ vhost, namespace,
# Redis db and ports of its own (tests/common/env.py). The broker_restart tests restart
# RabbitMQ for the whole machine, so they run afterwards, alone. Every database and vhost the
# run uses is dropped and made afresh first. The exit status is the first failing part's.
# With an isolated environment (scripts/isolated-test-env.sh) the names are that run's:
#   eval "$(scripts/isolated-test-env.sh NAME SLOT)" && scripts/test-suite.sh
set -uo pipefail
cd "$(dirname "$0")/.."
workers=${REKOMI_TEST_WORKERS:-2}
python=.venv/bin/python

databases=$("$python" -m tests.common.env databases "$workers") || exit 1
vhosts=$("$python" -m tests.common.env vhosts "$workers") || exit 1
for database in $databases; do
  psql -q -h 127.0.0.1 -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null || exit 1
done
for vhost in $vhosts; do
  rabbitmqctl -q delete_vhost "$vhost" >/dev/null 2>&1 || true
done
# shellcheck disable=SC2086  # one argument per vhost
scripts/ensure-infra.sh $vhosts || exit 1

pytest=("$python" -m pytest -q -p no:cacheprovider)
if [ "$workers" -eq 0 ]; then
  REKOMI_BROWSER_TESTS=required "${pytest[@]}" "$@"
  exit $?
fi
REKOMI_BROWSER_TESTS=required "${pytest[@]}" -n "$workers" -m "not broker_restart" "$@"
parallel=$?
echo "--- broker_restart tests (alone: they restart RabbitMQ)"
REKOMI_BROWSER_TESTS=required "${pytest[@]}" -m broker_restart "$@"
serial=$?
# Files given without a broker_restart test among them: nothing to run is no failure.
[ "$#" -gt 0 ] && [ "$serial" -eq 5 ] && serial=0
exit $(( parallel != 0 ? parallel : serial ))
