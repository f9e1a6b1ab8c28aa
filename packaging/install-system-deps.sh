#!/bin/sh
# Installs the Debian packages Qt needs to run offscreen and in a real window under
# Xvfb, but only those that are missing. Needs root (or passwordless sudo) when
# something is missing; says exactly what to install otherwise.
set -eu
PKGS="libglib2.0-0 libegl1 libgl1 libx11-6 libxkbcommon0 libfontconfig1 libfreetype6
libdbus-1-3 xvfb xdotool xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0 libxcb-shape0
libxcb-util1 libxcb-xkb1 libxcb-randr0 libxcb-xfixes0 libxcb-shm0 libxcb-sync1
libxcb-xinerama0 libxrender1 libxi6"
command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian-like system, skipped"; exit 0; }
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "system-deps: installing$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "system-deps: run as root: apt-get install$missing"; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
