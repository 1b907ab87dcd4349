#!/usr/bin/env bash
# Start PostgreSQL, RabbitMQ and Redis when they are not running, and create the RabbitMQ vhosts
# Rekomi uses ("/" for `make run`, "rekomi_test" for `make test`). Safe to run again.
set -euo pipefail

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

if ! rabbitmqctl -q status >/dev/null 2>&1; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached
  rabbitmqctl -q wait --timeout 60 "$(ls /var/lib/rabbitmq/mnesia/*.pid 2>/dev/null | head -1 || echo /var/lib/rabbitmq/mnesia/rabbit@localhost.pid)" >/dev/null 2>&1 \
    || for _ in $(seq 60); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
fi
# The application may be stopped even though the node runs (a test restarts it).
rabbitmqctl -q start_app >/dev/null 2>&1 || true
rabbitmqctl -q await_startup >/dev/null 2>&1 || true

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

for vhost in "${@:-rekomi_test}"; do
  [ "$vhost" = "/" ] && continue
  if ! rabbitmqctl -q list_vhosts | grep -qx "$vhost"; then
    rabbitmqctl -q add_vhost "$vhost"
  fi
  rabbitmqctl -q set_permissions -p "$vhost" guest ".*" ".*" ".*"
done
