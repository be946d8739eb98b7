#!/bin/sh
# Installs the system tools the test suite drives for real, when they are missing:
# Debian's chromium (the dashboard's browser test), LibreOffice (the spreadsheet test) and
# Node.js 18+ (the API document's JavaScript client, run against the sandbox).
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v soffice >/dev/null 2>&1 || missing="$missing libreoffice-calc-nogui"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
[ -z "$missing" ] && exit 0
echo "Installing system packages:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "Need root (or sudo) to install:$missing. Install them with apt-get and rerun." >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing fonts-dejavu-core >/dev/null
