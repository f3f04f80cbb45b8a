#!/bin/sh
# Entry point of the Nurture image.
#
#   serve (default)  bring the database to the newest migration, then run `nurture serve` as PID 1
#   anything else    run that `nurture` command, e.g. `db upgrade` or `import leads /data/leads.csv`
#
# Several replicas start at once in production. The migration runs under a PostgreSQL advisory lock
# (migrate_locked.py), so exactly one replica migrates while the others wait, then find nothing to do.
set -eu

if [ "$#" -eq 0 ]; then
    set -- serve
fi

if [ "$1" = "serve" ]; then
    shift
    python /opt/nurture/migrate_locked.py -- nurture db upgrade
    exec nurture serve "$@"
fi

exec nurture "$@"
