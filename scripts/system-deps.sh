#!/usr/bin/env bash
# Install, only when missing, the Debian packages textfile needs outside Python:
# WeasyPrint's text stack (pango, harfbuzz, fontconfig), fonts covering Latin, Greek, Cyrillic,
# Arabic, Hebrew, Devanagari, Thai, CJK and colour emoji, and the tools the tests read transcripts
# back with: poppler-utils (pdftotext/pdftoppm) and fontconfig (fc-list, which names the installed
# file each embedded font came from), and Chromium with its WebDriver, which the tests of `textfile browse`
# drive as a person's browser (tests/test_browse_browser.py). A second run only asks dpkg and exits.
set -euo pipefail
packages=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fontconfig shared-mime-info
  fonts-dejavu-core fonts-noto-core fonts-noto-color-emoji fonts-noto-cjk
  poppler-utils
  chromium chromium-driver
)
python3 -c "import venv, ensurepip" 2>/dev/null || packages+=(python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Please install these system packages (Debian names): ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
