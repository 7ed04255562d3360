#!/bin/sh
# Install the seqorch binary for this machine: download it from a release, check it against the release's
# SHA256SUMS, and only then install it to $PREFIX/bin/seqorch (default prefix ~/.local).
#
#   curl -fsSL https://github.com/seqorch/seqorch/releases/latest/download/install.sh | sh
#   sh install.sh [--prefix DIR] [--version vX.Y.Z]
#
# Environment: PREFIX (as --prefix), SEQORCH_VERSION (as --version), SEQORCH_INSTALL_BASE_URL (where the
# binaries and SHA256SUMS are; default: the GitHub release). Needs curl or wget, and sha256sum, shasum or openssl.
set -eu

REPO_URL="https://github.com/seqorch/seqorch"
prefix="${PREFIX:-}"
version="${SEQORCH_VERSION:-latest}"

say() { printf 'seqorch install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  cat <<EOF
Usage: install.sh [--prefix DIR] [--version vX.Y.Z]
Installs seqorch to DIR/bin/seqorch (default DIR: ~/.local) after checking its SHA-256.
  --prefix DIR      install under DIR (also: PREFIX=DIR)
  --version TAG     a release tag such as v0.1.0 (default: the latest release; also: SEQORCH_VERSION)
Binaries come from SEQORCH_INSTALL_BASE_URL if set, else $REPO_URL/releases.
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --version) [ $# -ge 2 ] || die "--version needs a tag"; version="$2"; shift 2 ;;
    --version=*) version="${1#--version=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
if [ -z "$prefix" ]; then
  [ -n "${HOME:-}" ] || die "HOME is not set; give --prefix DIR"
  prefix="$HOME/.local"
fi

if [ -n "${SEQORCH_INSTALL_BASE_URL:-}" ]; then
  base_url="${SEQORCH_INSTALL_BASE_URL%/}"
elif [ "$version" = latest ]; then
  base_url="$REPO_URL/releases/latest/download"
else
  base_url="$REPO_URL/releases/download/$version"
fi

# --- which binary -----------------------------------------------------------------------------------------
os=$(uname -s)
arch=$(uname -m)
case "$os" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) die "no prebuilt binary for $os; build from source (README: \"From source\")" ;;
esac
case "$arch" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no prebuilt binary for $arch; build from source (README: \"From source\")" ;;
esac
# An x64 shell under Rosetta on Apple silicon: take the native binary.
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
  arch=arm64
fi
# Some path exists (globs that match nothing stay literal and do not).
exists() { for f in "$@"; do [ -e "$f" ] && return 0; done; return 1; }
if [ "$os" = linux ] && exists /lib/ld-musl-* && ! exists /lib/ld-linux* /lib64/ld-linux* /lib/*-linux-gnu/ld-linux*; then
  die "this looks like a musl system (Alpine?): the Linux binaries need glibc; build from source with Bun instead"
fi
exe=""
[ "$os" = windows ] && exe=".exe"
asset="seqorch-$os-$arch$exe"
dest_dir="$prefix/bin"
dest="$dest_dir/seqorch$exe"

# --- tools ------------------------------------------------------------------------------------------------
if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --retry 2 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "needs curl or wget"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
elif command -v openssl >/dev/null 2>&1; then
  sha256() { openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1; }
else
  die "needs sha256sum, shasum or openssl to check the download"
fi

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t seqorch-install)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- download and check -----------------------------------------------------------------------------------
say "downloading $asset from $base_url"
fetch "$base_url/SHA256SUMS" "$tmp/SHA256SUMS" || die "cannot download $base_url/SHA256SUMS"
fetch "$base_url/$asset" "$tmp/$asset" || die "cannot download $base_url/$asset"

expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print tolower($1); exit }' "$tmp/SHA256SUMS")
[ -n "$expected" ] || die "SHA256SUMS has no entry for $asset; nothing installed"
actual=$(sha256 "$tmp/$asset" | tr 'A-F' 'a-f')
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $asset (expected $expected, got $actual): the download is corrupt or was tampered with; nothing installed"
fi
say "checksum OK ($actual)"

# --- install (atomically: a temp file in the target folder, then rename) ----------------------------------
mkdir -p "$dest_dir" || die "cannot create $dest_dir"
staged="$dest_dir/.seqorch-install.$$"
cp "$tmp/$asset" "$staged" || { rm -f "$staged"; die "cannot write to $dest_dir"; }
chmod 755 "$staged"
mv -f "$staged" "$dest" || { rm -f "$staged"; die "cannot install $dest"; }

if installed=$("$dest" --version 2>/dev/null); then
  say "installed $installed to $dest"
else
  say "installed $dest, but it does not run here (\`$dest --version\` failed)"
  exit 1
fi
case ":${PATH:-}:" in
  *":$dest_dir:"*) ;;
  *) say "$dest_dir is not on PATH; add it, e.g.: export PATH=\"$dest_dir:\$PATH\"" ;;
esac
