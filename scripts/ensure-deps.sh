#!/usr/bin/env bash
# Installs what `make run` and `make test` need on a fresh Debian/Ubuntu machine, or says
# exactly what to install elsewhere. Usage: scripts/ensure-deps.sh run|test
set -euo pipefail

purpose="${1:-run}"
missing_pkgs=()

have_pg_server() {
  [ -n "${RAPPORT_PG_BIN:-}" ] && [ -x "$RAPPORT_PG_BIN/initdb" ] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
  command -v initdb >/dev/null && command -v pg_ctl >/dev/null
}

# The embedded database needs the server binaries, unless DATABASE_URL points elsewhere.
if [ -z "${DATABASE_URL:-}" ] || [ "$purpose" = test ]; then
  have_pg_server || missing_pkgs+=(postgresql)
fi
# Building links against libpq and OpenSSL.
[ -f /usr/include/postgresql/libpq-fe.h ] || missing_pkgs+=(libpq-dev)
[ -f /usr/include/openssl/ssl.h ] || missing_pkgs+=(libssl-dev)
command -v pkg-config >/dev/null || missing_pkgs+=(pkg-config)
if [ "$purpose" = test ]; then
  [ -x /usr/bin/chromium ] || missing_pkgs+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing_pkgs+=(chromium-driver)
fi

if [ "${#missing_pkgs[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing: ${missing_pkgs[*]}"
    # Rapport runs its own private cluster; do not let the package start a system one.
    if [[ " ${missing_pkgs[*]} " == *" postgresql "* ]] && [ ! -f /etc/postgresql-common/createcluster.conf ]; then
      $sudo mkdir -p /etc/postgresql-common
      echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q "${missing_pkgs[@]}" >/dev/null 2>&1 || {
      $sudo apt-get update -q >/dev/null
      $sudo apt-get install -y -q "${missing_pkgs[@]}"
    }
  else
    echo "Missing: ${missing_pkgs[*]}. These are Debian package names: install the equivalents" >&2
    echo "(PostgreSQL 15+ server binaries, libpq and OpenSSL headers, pkg-config; for tests also" >&2
    echo "Chromium and ChromeDriver), or set DATABASE_URL to use an existing PostgreSQL server." >&2
    exit 1
  fi
fi

# The schema check in the tests compares src/db/schema.rs with `diesel print-schema`.
if [ "$purpose" = test ] && ! command -v diesel >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/diesel" ]; then
  echo "Installing the diesel CLI (once, about two minutes)…"
  cargo install diesel_cli --version '~2.3' --no-default-features --features postgres --locked --quiet
fi
