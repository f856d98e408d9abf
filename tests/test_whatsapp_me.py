"""--me naming the archive's owner says the owner wrote nothing in the chat: refused where the chat is
between two people and the other sender is not the one it is named after (that sender is the owner,
under the name their phone shows), never read with the owner's texts as a stranger's (second reader:
an owner "Alex Rivera" in the archive writes as "Alex Owner" in WhatsApp)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import snapshot

from textfile.errors import ImportFailed


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_me_as_an_owner_who_never_wrote_is_refused_where_the_other_of_two_senders_is_the_owner(cli, archive, tmp_path):
    bo = write(
        tmp_path / "WhatsApp Chat with Bo.txt",
        "20/03/2024, 09:01 - Bo: are you there?\n20/03/2024, 09:02 - Alex R: yes, call me\n",
    )
    before = snapshot(archive)
    r = cli("import", bo, "--me", "Alex Owner")  # (the archive's owner: "you wrote nothing here")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {bo}: --me 'Alex Owner' says you wrote nothing in this chat, but it is a chat with 'Bo' in which"
        " 'Alex R' wrote too: in a chat between two people that is you; pass --me 'Alex R'\n",
    )
    assert snapshot(archive) == before
    assert cli("import", bo, "--me", "Alex R", "--quiet").exit_code == 0
    assert [
        tuple(r)
        for r in archive.conn.execute(
            "SELECT m.direction, p.handle, p.is_owner FROM messages m JOIN participants p ON p.id = m.sender_id"
            " ORDER BY m.sent_at"
        )
    ] == [("in", "Bo", 0), ("out", "Alex R", 1)]
    # a chat with one person who alone wrote: the owner wrote nothing, as --me says (read as before)
    only_pat = write(tmp_path / "WhatsApp Chat with Pat.txt", "20/03/2024, 09:01 - Pat: hi\n")
    assert cli("import", only_pat, "--me", "Alex Owner", "--quiet").exit_code == 0
    # two senders, neither the one the chat is named after (a group): --me as ever
    group = write(
        tmp_path / "WhatsApp Chat with Lease Group.txt",
        "20/03/2024, 09:01 - Pat: hi\n20/03/2024, 09:02 - Kim: hello\n",
    )
    assert cli("import", group, "--me", "Alex Owner", "--quiet").exit_code == 0


def test_a_chat_named_by_a_number_is_with_that_number_however_the_phone_writes_it(cli, archive, tmp_path):
    """An unsaved contact: the chat is named by the number, its sender written with the marks and the
    non-breaking hyphen a phone adds; the error says both as a person types them."""
    chat = write(
        tmp_path / "WhatsApp Chat with +1 202 555 0143.txt",
        "05/03/2024, 18:01 - \u202a+1 202 555\u20110143\u202c: hello\n05/03/2024, 18:02 - Alex R: hi\n",
    )
    before = snapshot(archive)
    r = cli("import", chat, "--me", "Alex Owner")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {chat}: --me 'Alex Owner' says you wrote nothing in this chat, but it is a chat with"
        " '+1 202 555-0143' in which 'Alex R' wrote too: in a chat between two people that is you; pass --me 'Alex R'\n",
    )
    assert snapshot(archive) == before


def test_me_naming_the_person_a_two_person_chat_is_with_is_refused(cli, archive, tmp_path):
    """Read so, every message of the client would be the owner's own, outgoing, for good."""
    sam = write(
        tmp_path / "WhatsApp Chat with Sam Client.txt",
        "20/03/2024, 09:01 - Sam Client: are you there?\n20/03/2024, 09:02 - Alex Owner: yes\n",
    )
    before = snapshot(archive)
    r = cli("import", sam, "--me", "sam client")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {sam}: --me 'sam client' names 'Sam Client', the person this chat is with (it is named after them):"
        " in a chat between two people you are the other sender; pass --me 'Alex Owner'\n",
    )
    assert snapshot(archive) == before
    assert cli("import", sam, "--me", "Alex Owner", "--quiet").exit_code == 0


def test_the_senders_an_error_lists_are_said_as_a_person_types_them(cli, archive):
    """WhatsApp writes a name with a narrow no-break space, a number inside bidi marks with no-break spaces and a
    non-breaking hyphen: listed so (\\u202a…), no one could type them back (second reader, round 3)."""
    from conftest import FIXTURES

    lease = FIXTURES / "whatsapp" / "WhatsApp Chat with Lease Committee.txt"
    r = cli("import", lease, "--me", "Maija")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {lease}: --me 'Maija' matches none of the senders found: 'Alex Owner', 'Dr: Smith', '~ Maija',"
        " '+1 202 555-0147'; pass one of them as written, or the archive's owner 'Alex Owner' for a chat in which"
        " you never wrote\n",
    )
    r = cli("import", lease, "--me", "~ Maija")  # (as listed, it is taken: the sender it names is said)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {lease}: --me '~ Maija' names '~ Maija', but 'Alex Owner', who is you (the archive's owner), wrote in"
        " this chat too: on your own phone's export pass --me 'Alex Owner' or no --me; an export from a client's"
        " phone is imported with --custodian CLIENT and no --me\n",
    )


def test_me_naming_another_sender_beside_the_archive_owner_is_refused_unless_archived_so(cli, archive, tmp_path):
    """Second reader, round 12: the group in which "Alex Owner" (the archive's owner) wrote, imported with --me "Dr:
    Smith", was archived with Dr: Smith's texts as the owner's, and the chat's key held her for good: no later
    import could read it with the right owner. Refused, nothing archived; a chat the archive already holds with
    that owner (made by a release before this one) is still read as before, week after week."""
    from conftest import FIXTURES

    from textfile.importers.whatsapp.people import _owner, _owner_before
    from textfile.model import ImportOptions

    lease = FIXTURES / "whatsapp" / "WhatsApp Chat with Lease Committee.txt"
    r = cli("import", lease, "--me", "Dr: Smith")
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {lease}: --me 'Dr: Smith' names 'Dr: Smith', but 'Alex Owner', who is you (the archive's owner),"
        " wrote in this chat too: on your own phone's export pass --me 'Alex Owner' or no --me; an export from a"
        " client's phone is imported with --custodian CLIENT and no --me\n",
    )
    assert archive.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert cli("import", lease, "--me", "Alex Owner", "--quiet").exit_code == 0
    # by the owner's number too, and for a client's own phone too (read as the owner's: `--custodian` alone)
    senders = {"Alex Owner": 3, "Dr: Smith": 2, "+1 202 555 0100": 1}
    options = ImportOptions("UTC", "US", "Someone Else", frozenset({"+12025550100"}), me="Dr: Smith")
    with pytest.raises(ImportFailed, match="names 'Dr: Smith', but '\\+1 202 555 0100', who is you"):
        _owner(lease, senders, options, "Lease Committee", before=None)
    with pytest.raises(ImportFailed, match="a client's own export of it is read as yours, your texts sent and theirs"):
        _owner(lease, senders, replace(options, another_phone=True), "Lease Committee", before=None)  # (round 13)
    # archived with her as the owner already: read so, as the refusal of any other reading says to
    archived = replace(options, chat_owners={"lease committee|dr: smith": ("Dr: Smith", 8)})
    before = _owner_before(archived, "Lease Committee")
    assert _owner(lease, senders, archived, "Lease Committee", before=before) == ("Dr: Smith", None)
