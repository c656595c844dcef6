#!/usr/bin/env bash
# CI: a PostgreSQL server for the tests, from the distribution's own packages.
#
# Installs PostgreSQL if missing, starts the packaged cluster (CI runs as root and
# initdb refuses root, so we use the cluster Debian/Ubuntu create with the package and
# the postgres system user), and creates a test role and database. Idempotent: safe
# when the cluster already runs and the role and database exist.
#
# Exports nothing. The LAST line of stdout is the line to evaluate, e.g. in .ci/run:
#     eval "$(.ci/postgres.sh | tail -n 1)"
# which prints:
#     export QUIZAPP_TEST_PG_URL=postgresql+psycopg://quizapp:quizapp@127.0.0.1:5432/quizapp
# (a throwaway CI password; the test fixtures create one database per test with it).
set -euo pipefail

ROLE=quizapp
PASSWORD=quizapp
DBNAME=quizapp

if [ "$(id -u)" != "0" ]; then
    echo "postgres.sh: run as root (it installs packages and starts a system cluster)" >&2
    exit 1
fi

if ! command -v pg_lsclusters >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

# The packaged cluster: first one pg_lsclusters lists ("15 main 5432 down postgres ...").
read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters --no-header | head -n 1) || true
if [ -z "${VERSION:-}" ]; then
    # The package made no cluster (e.g. create_main_cluster=false): make the usual one.
    VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    pg_createcluster "$VERSION" main >&2
    read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters --no-header | head -n 1)
fi
if [ "$STATUS" != "online" ]; then
    pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

# Wait (bounded) until it accepts connections.
for _ in $(seq 1 60); do
    if runuser -u postgres -- pg_isready -q -p "$PORT"; then
        break
    fi
    sleep 0.5
done
runuser -u postgres -- pg_isready -p "$PORT" >&2

psql_admin() {
    runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -qtAX "$@"
}

# SUPERUSER: the fixtures create and drop a database per test (CREATEDB would do),
# and the upgrade test runs pg_dump of each.
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    psql_admin -c "CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$PASSWORD'" >&2
else
    psql_admin -c "ALTER ROLE $ROLE LOGIN SUPERUSER PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DBNAME OWNER $ROLE" >&2
fi

# The 30-process concurrency test needs more than a handful of connections.
MAX=$(psql_admin -c "SHOW max_connections")
if [ "$MAX" -lt 100 ]; then
    echo "postgres.sh: max_connections is $MAX; the concurrency test wants at least 100" >&2
fi

echo "export QUIZAPP_TEST_PG_URL=postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DBNAME"
