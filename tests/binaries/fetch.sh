#!/usr/bin/env bash
# Fetches the macOS (Mach-O) and Windows (PE) files that lib/binary/macho_test.ts
# and lib/binary/pe_test.ts read, into tests/binaries/cache/ (git-ignored):
#
#   esbuild-darwin-x64-0.25.0/esbuild           npm @esbuild/darwin-x64, thin x86_64 executable
#   esbuild-darwin-arm64-0.25.0/esbuild         npm @esbuild/darwin-arm64, thin arm64 executable
#   parcel-watcher-darwin-x64-2.5.1/watcher.node  npm @parcel/watcher-darwin-x64, x86_64 bundle
#   sharp-libvips-darwin-arm64-1.0.4/libvips-cpp.42.dylib  npm @img/sharp-libvips-darwin-arm64
#   fsevents-2.3.3/fsevents.node                npm fsevents, universal (x86_64 + arm64) bundle
#   esbuild-win32-x64-0.25.0/esbuild.exe        npm @esbuild/win32-x64, PE32+ executable
#   libwine-8.0-repack-4/{ntdll,kernel32}.dll   Debian bookworm's libwine, PE32+ DLLs
#
# Usage: tests/binaries/fetch.sh [CACHE]   (default: tests/binaries/cache)
#
# Versions are pinned and every file's SHA-256 is checked, so that the tests'
# expected values stay true. A file already in the cache is not fetched again;
# when everything is there nothing is done. Without network (or npm, apt-get)
# the script says what it could not fetch and exits 1: the tests then say what
# they skipped. libwine comes through apt-get (the system's lists, or else a
# private apt state for bookworm in a temporary folder: the system's apt set-up
# is not touched), and only the two DLLs are kept from its 100 MB package.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-$here/cache}

# destination (under the cache), SHA-256, source: npm package@version and path in the package
npm_files=(
  "esbuild-darwin-x64-0.25.0/esbuild 579c66f56a9f0f1b051899a9be1341ba2f6bec6701d8d72518fe1c0dccce79e0 @esbuild/darwin-x64@0.25.0 bin/esbuild"
  "esbuild-darwin-arm64-0.25.0/esbuild 9e297058b6101e29f672a1a4739e4305daab8a79d31ca09878e69fc9fd8f9f91 @esbuild/darwin-arm64@0.25.0 bin/esbuild"
  "parcel-watcher-darwin-x64-2.5.1/watcher.node 5fc72d98675a3b98dd795ce8e533c8ee2ae73b850c541469dc5c0ba2ea42a2a1 @parcel/watcher-darwin-x64@2.5.1 watcher.node"
  "sharp-libvips-darwin-arm64-1.0.4/libvips-cpp.42.dylib 7bff6d21e3f547a7ecaf61bbe359d43e17241280e15ce4e3d153dbe07b9c4769 @img/sharp-libvips-darwin-arm64@1.0.4 lib/libvips-cpp.42.dylib"
  "fsevents-2.3.3/fsevents.node 40f2f51199e4f5fc46fa6b985fb3461bb63e6cd86c62bfa9bcee45ed4438d5fb fsevents@2.3.3 fsevents.node"
  "esbuild-win32-x64-0.25.0/esbuild.exe 8c048a375f06353168221688c7f87fad23a5b23f371f848f9e149ffde7f993a5 @esbuild/win32-x64@0.25.0 esbuild.exe"
)
wine_version=8.0~repack-4
wine_deb_sha256=512b715f32fccf2ebec2b63f23d9d83394d30e27cc5570a8ef92c5d3627ef305
wine_dir=libwine-8.0-repack-4
wine_src=usr/lib/x86_64-linux-gnu/wine/x86_64-windows
# DLL name, SHA-256
wine_files=(
  "ntdll.dll 442753c30d9b3189b60331e1fa1d055f83f98656b7cea6b701857188d356f3af"
  "kernel32.dll 09f859559ce04fe5e377a7767d90752db2b14b7436ce2733cc02f9571153934a"
)

# True when every file is in the cache.
complete() {
  local entry
  for entry in "${npm_files[@]}"; do
    set -- $entry
    [ -f "$cache/$1" ] || return 1
  done
  for entry in "${wine_files[@]}"; do
    set -- $entry
    [ -f "$cache/$wine_dir/$1" ] || return 1
  done
}

if complete; then
  echo "test binaries already in $cache"
  exit 0
fi

mkdir -p "$cache"
# Two test files may start this at once (deno test --parallel): one fetches, the other waits.
exec 9>"$cache/.lock"
flock -w 900 9 || { echo "fetch.sh: $cache is locked" >&2; exit 1; }
if complete; then
  echo "test binaries already in $cache"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# Moves $1 to $cache/$3 if its SHA-256 is $2.
install_file() {
  local src=$1 sum=$2 dest=$cache/$3
  if [ "$(sha256sum "$src" | cut -d' ' -f1)" != "$sum" ]; then
    echo "fetch.sh: $3 has the wrong SHA-256" >&2
    return 1
  fi
  mkdir -p "$(dirname "$dest")"
  mv "$src" "$dest.partial"
  mv "$dest.partial" "$dest"
  echo "fetched $3"
}

# One file of an npm package: destination, SHA-256, package@version, path in the package.
fetch_npm() {
  local dest=$1 sum=$2 spec=$3 inner=$4 work tgz
  [ -f "$cache/$dest" ] && return 0
  command -v npm >/dev/null || { echo "fetch.sh: npm not found" >&2; return 1; }
  work=$(mktemp -d "$tmp/npm.XXXXXX")
  tgz=$(cd "$work" && timeout 300 npm pack --silent --no-fund --no-audit "$spec" 2>/dev/null | tail -n 1) ||
    { echo "fetch.sh: npm pack $spec failed" >&2; return 1; }
  tar xzf "$work/$tgz" -C "$work" "package/$inner" ||
    { echo "fetch.sh: $spec has no $inner" >&2; return 1; }
  install_file "$work/package/$inner" "$sum" "$dest" || return 1
  rm -rf "$work"
}

# libwine's .deb into $1: with the system's apt lists, or else with bookworm's, read into a
# private apt state.
download_wine() {
  local into=$1 state
  (cd "$into" && timeout 300 apt-get -q -o APT::Sandbox::User=root download \
    "libwine=$wine_version" >/dev/null 2>&1) && return 0
  echo "== reading bookworm's package lists into a private apt state"
  state=$tmp/apt
  mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/parts"
  touch "$state/status"
  local uri=http://deb.debian.org/debian keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb [signed-by=$keyring] $uri bookworm main" >"$state/sources.list"
  local opts=(
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
  timeout 300 apt-get "${opts[@]}" update >/dev/null &&
    (cd "$into" && timeout 300 apt-get "${opts[@]}" download "libwine=$wine_version" >/dev/null)
}

# ntdll.dll and kernel32.dll out of libwine.
fetch_wine() {
  local entry missing=0 deb
  for entry in "${wine_files[@]}"; do
    set -- $entry
    [ -f "$cache/$wine_dir/$1" ] || missing=1
  done
  [ "$missing" = 1 ] || return 0
  for tool in apt-get dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "fetch.sh: $tool not found" >&2; return 1; }
  done
  mkdir -p "$tmp/deb" "$tmp/wine"
  download_wine "$tmp/deb" || { echo "fetch.sh: apt-get download libwine failed" >&2; return 1; }
  deb=$(ls "$tmp"/deb/libwine_*.deb)
  if [ "$(sha256sum "$deb" | cut -d' ' -f1)" != "$wine_deb_sha256" ]; then
    echo "fetch.sh: $(basename "$deb") has the wrong SHA-256" >&2
    return 1
  fi
  local members=()
  for entry in "${wine_files[@]}"; do
    set -- $entry
    members+=("./$wine_src/$1")
  done
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/wine" "${members[@]}" ||
    { echo "fetch.sh: could not unpack $(basename "$deb")" >&2; return 1; }
  rm -f "$deb"
  for entry in "${wine_files[@]}"; do
    set -- $entry
    if [ ! -f "$cache/$wine_dir/$1" ]; then
      install_file "$tmp/wine/$wine_src/$1" "$2" "$wine_dir/$1" || return 1
    fi
  done
}

for entry in "${npm_files[@]}"; do
  # shellcheck disable=SC2086
  fetch_npm $entry || failed=1
done
fetch_wine || failed=1

if [ "$failed" = 1 ]; then
  echo "fetch.sh: some test binaries could not be fetched into $cache" >&2
  exit 1
fi
echo "test binaries in $cache"
