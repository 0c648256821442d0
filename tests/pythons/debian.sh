#!/usr/bin/env bash
# Fetches CPython 3.14 and 3.15 from Debian's unstable suite ("sid") and unpacks
# them into one root folder that the tests run with chroot(8):
#
#   chroot ROOT /usr/bin/python3.14 script.py
#
# Usage: tests/pythons/debian.sh [ROOT]   (default: tests/pythons/cache/sid)
#
# sid's package lists are read with a private apt state under ROOT/../apt, so
# nothing of the system's apt set-up is touched. The packages come from the same
# Debian archive (URI and keyring) as the system's own sources. Nothing is done
# when ROOT already holds every interpreter; a machine without network ends
# here with a message and exit 1, and the tests then say what they skipped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$here/cache/sid}
versions=(3.14 3.15)
stamp=$root/.complete

# One launcher per interpreter in $bin, e.g. `$bin/python3.15 script.py`: it runs
# ROOT/usr/bin/python3.15 through chroot-python.sh (the host's /tmp and working
# directory bound inside the root). The tests run these.
bin=$(dirname "$root")/bin
launchers() {
  mkdir -p "$bin"
  for exe in "$root"/usr/bin/python3.*; do
    name=$(basename "$exe")
    case $name in *-config) continue ;; esac
    printf '#!/bin/sh\nexec "%s" "%s" "/usr/bin/%s" "$@"\n' \
      "$here/chroot-python.sh" "$root" "$name" >"$bin/$name"
    chmod +x "$bin/$name"
  done
}

if [ -f "$stamp" ]; then
  launchers
  echo "sid interpreters already in $root"
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "debian.sh: $tool not found" >&2; exit 1; }
done

state=$(dirname "$root")/apt
mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/parts" "$root"

# The archive and keyring of the system's own Debian sources.
uri=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  u=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  k=$(awk '/^Signed-By:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  [ -n "$u" ] && uri=$u
  [ -n "$k" ] && keyring=$k
fi
echo "deb [signed-by=$keyring] $uri sid main" >"$state/sources.list"

apt_opts=(
  -o "Dir::Etc::SourceList=$state/sources.list"
  -o "Dir::Etc::SourceParts=$state/parts"
  -o "Dir::State=$state"
  -o "Dir::State::status=$state/status"
  -o "Dir::Cache=$state"
  -o "Dir::Cache::archives=$state/archives"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
  -q
)
touch "$state/status"

echo "== reading sid's package lists"
timeout 300 apt-get "${apt_opts[@]}" update >/dev/null

# The interpreters, their debug builds and headers, the libraries they load, and
# the shells that some test targets start (sh, bash).
packages=(libc6 libgcc-s1 zlib1g libexpat1 libffi8 libssl3t64 libzstd1 liblzma5 libbz2-1.0
  libmpdec4 libuuid1 libsqlite3-0 libtinfo6 libncursesw6 libreadline8t64 dash bash)
for v in "${versions[@]}"; do
  packages+=("python$v-minimal" "libpython$v-minimal" "libpython$v-stdlib" "libpython$v"
    "python$v" "python$v-dbg" "libpython$v-dbg" "python$v-nopie" "libpython$v-dev"
    "python$v-dev")
done

echo "== downloading ${#packages[@]} packages"
debs=$state/debs
mkdir -p "$debs"
(rm -f "$debs"/*.deb && cd "$debs" && timeout 600 apt-get "${apt_opts[@]}" download "${packages[@]}" >/dev/null)

echo "== unpacking into $root"
for deb in "$debs"/*.deb; do
  case $(basename "$deb") in
  *-nopie_*) ;;
  *) dpkg-deb -x "$deb" "$root" ;;
  esac
done
# A -nopie package holds /usr/bin/python3.X too: it goes in as python3.X-nopie.
for v in "${versions[@]}"; do
  side=$state/nopie-$v
  rm -rf "$side"
  dpkg-deb -x "$debs/python$v-nopie_"*.deb "$side"
  mv "$side/usr/bin/python$v" "$root/usr/bin/python$v-nopie"
  rm -rf "$side"
done
rm -rf "$debs"
# Debian's merged-/usr links.
for d in bin sbin lib lib64; do
  if [ ! -e "$root/$d" ] && [ -d "$root/usr/$d" ]; then ln -s "usr/$d" "$root/$d"; fi
done
mkdir -p "$root/tmp" "$root/dev" "$root/proc"
chmod 1777 "$root/tmp"

# Debian's python3.X is linked with libpython statically. A PIE launcher that
# loads libpython3.X.so (as pyenv's builds do) is built here when a C compiler
# is at hand: Py_BytesMain is the whole program. The host's compiler links it
# against sid's library; the symbols it needs from sid's newer glibc are
# resolved when it runs inside the root.
if command -v cc >/dev/null; then
  main=$state/pymain.c
  printf '#include <Python.h>\nint main(int argc, char **argv) { return Py_BytesMain(argc, argv); }\n' >"$main"
  for v in "${versions[@]}"; do
    cc -O2 -I"$root/usr/include/python$v" -I"$root/usr/include" -o "$root/usr/bin/python$v-shared" \
      "$main" -L"$root/usr/lib/x86_64-linux-gnu" "-lpython$v" \
      -Wl,--unresolved-symbols=ignore-in-shared-libs ||
      echo "debian.sh: could not build python$v-shared" >&2
  done
else
  echo "debian.sh: no C compiler, so no python3.X-shared launchers" >&2
fi

launchers
for v in "${versions[@]}"; do
  for exe in "python$v" "python$v-dbg" "python$v-nopie" "python$v-shared"; do
    if [ -x "$bin/$exe" ]; then
      echo "$exe: $("$bin/$exe" -c 'import sys; print(sys.version.split()[0])')"
    fi
  done
done
touch "$stamp"
