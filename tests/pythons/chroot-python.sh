#!/bin/sh
# Runs an interpreter that lives in a root folder of its own (see debian.sh):
#
#   tests/pythons/chroot-python.sh ROOT /usr/bin/python3.14 script.py ...
#
# as `chroot ROOT EXE ...` would, but in a mount namespace of its own in which
# the host's /tmp and the current directory are bound at the same paths inside
# ROOT, so that scripts and temporary files named by the tests are found there
# and paths in stacks read the same as outside. Every step execs the next, so
# the process keeps one PID from this script to Python. Needs root.
if [ $# -lt 2 ]; then
  echo "usage: chroot-python.sh ROOT EXE [ARG...]" >&2
  exit 2
fi
exec unshare --mount /bin/sh -c '
  root=$1 exe=$2
  shift 2
  mount --bind /tmp "$root/tmp" || exit 126
  if [ "$PWD" != / ]; then
    mkdir -p "$root$PWD" && mount --bind "$PWD" "$root$PWD" || exit 126
  fi
  exec unshare --root="$root" --wd="$PWD" "$exe" "$@"
' chroot-python "$@"
