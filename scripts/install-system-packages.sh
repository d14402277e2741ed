#!/usr/bin/env bash
# Installs the system libraries Assessor needs (libvlc for video, ffmpeg for demo media,
# PostgreSQL, nginx, a Secret Service and Chromium for the test suite, which starts its own
# PostgreSQL and nginx processes and leaves the system services alone). On Debian/Ubuntu as
# root it installs what is missing; elsewhere it prints the exact command to run and stops.
#   usage: install-system-packages.sh app|test
set -euo pipefail
profile="${1:-app}"

app_packages=(libvlc5 vlc-plugin-base libpulse0 libxcb-icccm4 ffmpeg
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libfontconfig1
  libglib2.0-0 libdbus-1-3 fonts-dejavu-core)
test_packages=(poppler-utils xvfb xauth gnome-keyring dbus dbus-x11 postgresql nginx openssl curl chromium)

wanted=("${app_packages[@]}")
if [ "$profile" = test ]; then wanted+=("${test_packages[@]}"); fi

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    exit 0
  fi
  echo "Assessor needs these system packages: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

if command -v vlc >/dev/null 2>&1 || [ -d /Applications/VLC.app ] || ldconfig -p 2>/dev/null | grep -q libvlc.so; then
  exit 0
fi
cat >&2 <<'MSG'
Assessor plays classroom video with VLC (libvlc) and makes its demo media with ffmpeg.
Install them, then run the make command again:
  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends libvlc5 vlc-plugin-base libpulse0 libxcb-icccm4 ffmpeg poppler-utils postgresql nginx
  Fedora:         sudo dnf install -y https://mirrors.rpmfusion.org/free/fedora/rpmfusion-free-release-$(rpm -E %fedora).noarch.rpm && sudo dnf install -y vlc-libs ffmpeg poppler-utils postgresql-server nginx
  macOS:          brew install --cask vlc && brew install ffmpeg poppler postgresql@15 nginx
MSG
exit 1
