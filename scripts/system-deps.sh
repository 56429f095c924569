#!/usr/bin/env bash
# System packages budgetlib needs beyond pip: a Java runtime (tabula-py) and Chromium
# (rendering a report to PNG). The CJK font comes from pip (pylopdf-fonts-zh-cn).
# Installs only what is missing, through apt-get, when run as root; otherwise says what to run.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "budgetlib needs: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2; exit 1
  fi
else SUDO=""; fi
echo "installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
