#!/usr/bin/env bash
# Run a command in the chroot $1, with /proc, /dev and a fresh /dev/shm.
# Called by test/matrix/run.sh inside "unshare --mount --pid --fork": the
# mounts are this namespace's alone and go with it, and so do the processes.
set -euo pipefail
dir=${1:?usage: enter.sh CHROOT COMMAND...}
shift
mount --make-rprivate /
mount -t proc proc "$dir/proc"
mount --rbind /dev "$dir/dev"
mount -t tmpfs -o mode=1777,size=1g shm "$dir/dev/shm"
mount -t tmpfs -o mode=1777 tmp "$dir/tmp"
exec chroot "$dir" "$@"
