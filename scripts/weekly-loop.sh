#!/usr/bin/env bash
# The README's "weekly loop, step by step", run for real on the bundled fixtures: two weeks of a
# solo professional's routine (status -> file or ignore -> archive -> deletable) in the folder given
# (made empty). tests/test_docs.py runs it and checks the README shows what it prints.
# Usage: scripts/weekly-loop.sh DIR   (textfile on PATH; prints "$ command", its output, "(exit N)" when not 0)
set -uo pipefail
umask 077
fixtures="$(cd "$(dirname "$0")/../fixtures" && pwd)"
dir="$1"
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
export TEXTFILE_ARCHIVE="$PWD/archive.db" TEXTFILE_KEY="$PWD/key" COLUMNS=80
run() {  # the command as typed, its output, its exit code when not 0
  local shown="" arg
  for arg in "$@"; do [[ "$arg" == *" "* ]] && shown+=" \"$arg\"" || shown+=" $arg"; done
  echo "\$${shown}"; "$@"; local code=$?; [ "$code" = 0 ] || echo "(exit $code)"
}
textfile init --owner "Alex Rivera" --phone "+1 202 555 0100" --tz America/New_York --region US --bates-prefix RIVERA >/dev/null 2>&1
textfile client add "Sam Client" --phone "(202) 555-0143" >/dev/null
textfile matter open 2026-014 --client "Sam Client" --title "Lease dispute" >/dev/null
textfile client consent "Sam Client" --given 2024-01-02 --method written --scope "scheduling and documents" >/dev/null
mkdir inbox transcripts
cp -p "$fixtures/android/sms-20240301.xml" "$fixtures/whatsapp/demo/WhatsApp Chat with Sam Client.txt" inbox/
touch -d "2 hours ago" inbox/*  # (a file modified within the last minute is left for the next run)
echo "=== week 1"
run textfile archive inbox --out transcripts
run textfile status
run textfile import "inbox/WhatsApp Chat with Sam Client.txt" --me "Alex Owner"
run textfile conversation show 2
run textfile conversation ignore 2 --reason "my dentist"
run textfile handle ignore 72975 --reason "bank 2FA codes"
run textfile file 6 --matter 2026-014
echo "=== week 2"
cp -p "$fixtures/android/sms-20240308.xml" inbox/
touch -d "2 hours ago" inbox/sms-20240308.xml
run textfile archive inbox --out transcripts
run textfile status
run textfile deletable
