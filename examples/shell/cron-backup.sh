#!/bin/sh
# A nightly backup that never overlaps itself, whoever starts it (cron, a
# person, a retry). In a crontab:
#
#   0 3 * * *  /usr/local/share/doc/deadbolt/examples/cron-backup.sh
#
# - --nonblock -E 0: if last night's backup still runs, skip quietly (exit 0),
#   instead of queueing up behind it;
# - --ttl 3600 --renew: the lock has a one-hour lease, renewed every 20 min
#   while the backup runs, so a backup that hangs with its lock renewer
#   stopped (a frozen VM) loses it within the hour;
# - the backup sees the lock's fencing token in $DEADBOLT_TOKEN, and could
#   stamp its archive with it.
#
# BACKUP_COMMAND replaces the backup (the tests use it).
set -eu
: "${BACKUP_COMMAND:=tar -czf /var/backups/home-$(date +%F).tar.gz /home}"
exec deadbolt run --nonblock --conflict-exit-code 0 --ttl 3600 --renew nightly-backup -- \
    sh -c "echo \"backup starting, fencing token \$DEADBOLT_TOKEN\"; $BACKUP_COMMAND"
