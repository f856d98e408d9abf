#!/usr/bin/env bash
# `make demo`: a fresh archive in demo/, the bundled sample exports imported into it, and a tour
# of what textfile does with them. Run by make with .venv/bin first on PATH.
set -euo pipefail
umask 077  # the demo holds (sample) client messages: private like every archive
cd "$(dirname "$0")/.."
rm -rf demo
mkdir -m 700 demo
export TEXTFILE_ARCHIVE="$PWD/demo/archive.db"
export TEXTFILE_KEY="$PWD/demo/key"  # the key that seals the demo's audit log (yours is ~/.config/textfile/key)
export COLUMNS="${COLUMNS:-140}"

# Commands in bold on a terminal; piped or in a log (make demo > demo.log), plain text, no escape codes.
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() {  # the command as one would type it (an argument with a space in quotes), then what it prints
  local shown="" arg
  for arg in "$@"; do [[ "$arg" == *[[:space:]]* ]] && shown+=" \"$arg\"" || shown+=" $arg"; done
  printf '\n%s$ textfile%s%s\n' "$bold" "$shown" "$plain"; textfile "$@"
}
registered() { python -c "import sys; from textfile.importers import REGISTRY; sys.exit('$1' not in REGISTRY)"; }

step init --owner "Alex Owner" --phone "+1 202 555 0100" --email alex@example.com \
  --tz America/New_York --region US --bates-prefix DEMO
step client add "Sam Client" --phone "(202) 555-0143" --email sam@example.com
step client add "Dana Reyes" --phone "202-555-0191"
step matter open 2026-014 --client "Sam Client" --title "Lease dispute"

if registered android; then
  step import fixtures/android/sms-20240301.xml fixtures/android/calls-20240301.xml
  # The client's own phone, as a paralegal receives it: the same thread from Sam's side (matched to the
  # owner's copy, message by message), a message the owner's backup lacks, and Sam's thread with a third person.
  step import fixtures/android/client_phone.xml --custodian "Sam Client"
fi
if registered imessage; then
  # The iMessage samples are SQL and Python in fixtures/imessage/, built into real databases here:
  # an old (seconds-based) chat.db, a modern Mac one with attachments, and an iPhone backup folder.
  python tests/imessage_build.py demo/imessage >/dev/null
  step import demo/imessage/old/chat.db demo/imessage/mac-home/Library/Messages/chat.db demo/imessage/iphone-backup
  # Jordan's own iPhone: the other side of the Mac's chat (one message each, by its guid), and Jordan's chat with Maria.
  step client add "Jordan Lee" --phone "+1 202 555 0123"
  step import demo/imessage/client-home/Library/Messages --custodian "Jordan Lee"
fi
if registered whatsapp && [ -d fixtures/whatsapp/demo ]; then
  step import --tz America/New_York fixtures/whatsapp/demo/*
  # WhatsApp names chats after the contact, not the number: filing them is a person's decision.
  sam=$(textfile conversations --json | python -c 'import json, sys; print(next(c["id"] for c in json.load(sys.stdin) if c["platform"] == "whatsapp" and c["title"] == "Sam Client"))')
  step file "$sam" --matter 2026-014
fi

step matter open 2026-020 --client "Dana Reyes" --title "Employment contract"
if registered whatsapp && [ -d fixtures/whatsapp/demo ]; then
  dana=$(textfile conversations --json | python -c 'import json, sys; print(next(c["id"] for c in json.load(sys.stdin) if c["platform"] == "whatsapp" and c["title"] == "Dana Reyes"))')
  step file "$dana" --matter 2026-020
fi
step conversations
step conversations --unfiled
# Read one waiting thread before deciding where it belongs (as its transcript would show it).
waiting=$(textfile conversations --unfiled --json | python -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
step conversation show "$waiting"
step matter list
step search lease
# A privileged note to file on Sam's first text: left out of the transcripts, listed in their privilege log.
registered android && step note add 2026-014 "Advised Sam to keep paying rent into escrow." --about "#1.1" --privileged
# A transcript of every matter that has messages: dated PDF/A files, Bates-numbered, recorded in the archive.
for ref in $(textfile matter list --json | python -c 'import json, sys; print(" ".join(m["reference"] for m in json.load(sys.stdin) if m["messages"]))'); do
  step transcript "$ref" --out-dir demo/transcripts --mkdir
done
if compgen -G "demo/transcripts/*.pdf" >/dev/null; then
  step verify demo/transcripts/*.pdf
  printf '\nThe transcripts are in %s:\n' "$PWD/demo/transcripts"
  ls -l demo/transcripts
fi
# The weekly routine, as cron runs it: an inbox holding this week's exports (next week's Android
# backup among them, which repeats the old messages and adds two) and the ones already archived.
mkdir -p demo/inbox
cp fixtures/android/*.xml fixtures/whatsapp/demo/* demo/inbox/
touch -d "1 hour ago" demo/inbox/*  # settled: files changed within the last minute wait for the next run
step archive demo/inbox --out demo/transcripts --tz America/New_York
# What needs a person this week, each item with its command (exit 4: something does; cron mails on it).
step status || printf '(exit %s: something needs a person)\n' "$?"
step deletable
# Duty to respond: working hours, a client's consent to be texted, then what needs a professional's eyes
# (lexicon flags, after-hours texts, opt-outs, texts with no consent on record) with the response each got.
step settings --hours "Mon-Fri 09:00-18:00" --holidays 2024-12-25
printf 'Signed: I agree to receive text messages about my matter.\n' > demo/sam-consent.txt
step client consent "Sam Client" --given 2024-01-02 --method written --scope "scheduling and documents" --doc demo/sam-consent.txt
step review
step review --unanswered --within 24h
first=$(textfile review --json | python -c 'import json, sys; f = json.load(sys.stdin)["flags"]; print(f[0]["id"] if f else "")')
if [ -n "$first" ]; then
  step review show "$first"
  step review ack "$first" --note "called the client back; nothing else needed"
fi
step review lexicon show safety
# The review as a dated, Bates-numbered PDF (every flag, its context and response, its state), proved like a transcript.
step review --all --matter 2026-014 --pdf demo/transcripts/review-2026-014.pdf
step verify demo/transcripts/review-2026-014.pdf
# The client file over its life. Exchanges that still need a note to file; then the week after,
# a backup from which Sam's "Sure, call me at 3." is gone, inside the span it covers: deleted on the
# phone (or left out of that export), recorded once, listed by coverage, marked in transcripts.
step note list --missing
python - fixtures/android/sms-20240308.xml demo/sms-20240315.xml <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
line = next(l for l in text.splitlines(keepends=True) if 'body="Sure, call me at 3."' in l)
open(sys.argv[2], "w", encoding="utf-8").write(text.replace(line, "").replace('count="18"', 'count="17"'))
PY
registered android && step import demo/sms-20240315.xml
step coverage
# Productions: words that must not be handed over redacted (the archive keeps them), then the matter
# produced for the other side in every form (PDF, natives, RSMF, CSV/JSONL, DAT/OPT, a certification
# to sign, SHA256SUMS), signed, recorded, and proved by verify and by plain sha256sum.
if registered android; then
  leak=$(textfile search "leak under the sink" --json | python -c 'import json, sys; print(json.load(sys.stdin)[0]["id"][:12])')
  step redact "$leak" --span "under the sink" --reason PII
  step redactions
fi
step produce 2026-014 --out demo/productions/2026-014-vol1 --mkdir
step verify demo/productions/2026-014-vol1
step productions
printf '\n%s$ cd demo/productions/2026-014-vol1 && sha256sum -c --quiet SHA256SUMS%s   (what the other side runs)\n' "$bold" "$plain"
(cd demo/productions/2026-014-vol1 && sha256sum -c --quiet SHA256SUMS && echo "every file OK")
printf '\nThe production is in %s:\n' "$PWD/demo/productions/2026-014-vol1"
(cd demo/productions/2026-014-vol1 && find . -type f | sort | sed 's|^\./|  |')
# Retention: how long each closed matter's file is kept (7 years after it closes unless set), then a
# matter closed, its file past retention, disposed of for good with a certificate that verify proves.
step matter close 2026-020
step retention set --matter 2026-020 --years 0 --basis "demo: the client asked for their file to be destroyed"
step retention report
step dispose 2026-020
step dispose 2026-020 --confirm --reason "retention over" --out demo/transcripts/disposal-2026-020.pdf
step verify demo/transcripts/disposal-2026-020.pdf
step verify
step log --limit 10
# Tamper evidence: a copy of the archive gets a matter of its own (this machine records its audit
# log's last entry), then someone with write access rewrites a message, recomputes its content hash
# with textfile's own function, and cuts that last entry. verify catches both (the import's digest
# in its sealed entry, and the head recorded outside the archive): exit 3.
cp demo/archive.db demo/tampered.db
textfile --archive demo/tampered.db matter open 2026-099 --client "Dana Reyes" --title "Severance" --quiet
python - demo/tampered.db <<'PY'
import sqlite3, sys
from textfile.ingest import message_content_hash
conn = sqlite3.connect(sys.argv[1])
mid, *row = conn.execute("SELECT m.id, m.sent_at, m.direction, m.kind, p.handle, m.body, m.status, m.duration_s, m.flags, m.reply_to"
                         " FROM messages m LEFT JOIN participants p ON p.id = m.sender_id WHERE m.body LIKE '%lease%' LIMIT 1").fetchone()
row[4] = row[4].replace("lease", "house")
conn.execute("UPDATE messages SET body = ?, content_hash = ? WHERE id = ?", (row[4], message_content_hash(*row, []), mid))
conn.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
conn.commit()
PY
printf '\n%s$ textfile --archive demo/tampered.db verify%s   (a copy, edited behind textfile'"'"'s back)\n' "$bold" "$plain"
textfile --archive demo/tampered.db verify || printf '(exit %s: the edit and the missing entry are caught)\n' "$?"
printf '\nThe demo archive is %s. To try textfile on it from a shell in %s:\n  export PATH="$PWD/.venv/bin:$PATH" TEXTFILE_ARCHIVE="$PWD/demo/archive.db" TEXTFILE_KEY="$PWD/demo/key"\n  textfile conversations\n' "$TEXTFILE_ARCHIVE" "$PWD"
printf 'and to browse it in your web browser, read-only (filters, search, the weekly questions; Ctrl-C stops it):\n  textfile browse --open\n'
