"""`textfile browse` (textfile/browse/): the token, the copy, what a page shows of a message, attachments,
read-only, the audit, in-process through the same ASGI application the server runs (httpx). The real
server in a real browser: tests/test_browse_browser.py."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("datasette", reason="textfile browse needs the browse extra: pip install 'textfile[browse]'")
import httpx  # noqa: E402  (Datasette's own dependency)
from conftest import ME, ingest_records, msg  # noqa: E402

from textfile.archive import Archive  # noqa: E402
from textfile.audit import entries  # noqa: E402
from textfile.browse.session import Session  # noqa: E402
from textfile.errors import InvalidInput  # noqa: E402
from textfile.model import Attachment, Conversation, Participant  # noqa: E402

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a2dd5d0a0000000049454e44ae426082"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
OTHER = Participant("+12025550177", None)
OTHER_CHAT = Conversation("android", "+12025550177", None, False, (OTHER, ME))


@pytest.fixture
def filled(cli, archive):
    """Sam's thread filed to M-1 (a <script>, an override, an image, an SVG, a missing video), and a
    stranger's thread, unfiled."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(
        archive,
        [
            msg(1, "<script>alert('x')</script> & <b>bold</b>"),
            msg(2, "invoice\u202efdp.exe\nsecond line", out=True),
            replace(
                msg(3, ""),
                attachments=(
                    Attachment("photo.png", "image/png", data=PNG),
                    Attachment("drawing.svg", "image/svg+xml", data=SVG),
                    Attachment("clip.mp4", "video/mp4", missing_reason="not included in the backup"),
                ),
            ),
            msg(4, "who is this?", conversation=OTHER_CHAT),
        ],
    )
    return archive


@pytest.fixture
def session(filled, archive_path):
    started = Session.start(archive_path, 0)
    yield started
    started.close()


def get(session, path: str, *, cookies: dict | None = None, host: str | None = None) -> httpx.Response:
    return asyncio.run(_get(session, [path], cookies=cookies, host=host))[-1]


def logged_in(session, *paths: str) -> list[httpx.Response]:
    """The login link followed, then each path, as one browser."""
    return asyncio.run(_get(session, [_login(session), *paths]))[1:]


def _login(session) -> str:
    url = urlsplit(session.started.url)
    return f"{url.path}?{url.query}"


async def _get(session, paths, *, cookies=None, host=None):
    base = f"http://127.0.0.1:{session.started.port}"
    headers = {"host": host} if host else {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=session.app()), base_url=base, cookies=cookies, headers=headers
    ) as client:
        return [await client.get(p) for p in paths]


def test_nothing_is_served_without_the_runs_token(session):
    port = session.started.port
    for path in (
        "/",
        "/archive",
        "/archive/messages",
        "/archive/message_list.json",
        "/archive/unfiled_conversations",
        "/archive.db",
        "/-/metadata.json",
        "/-/attachment/" + hashlib.sha256(PNG).hexdigest(),
        "/-/login?token=wrong",
        "/-/login",
        "/-/auth-token?token=",
    ):
        refused = get(session, path)
        assert (refused.status_code, refused.text) == (
            403,
            "This is a textfile browse session: open the link `textfile browse` printed (it holds the session's token).\n",
        ), path
    forged = get(session, "/archive", cookies={f"textfile_browse_{port}": "guessed"})
    assert forged.status_code == 403
    elsewhere = get(session, _login(session), host="attacker.example:80")
    assert (elsewhere.status_code, elsewhere.text) == (
        403,
        "This textfile browse session answers 127.0.0.1 and localhost only.\n",
    )


def test_the_token_opens_it_and_each_opening_is_audited(session, archive_path):
    opened, page = asyncio.run(_get(session, [_login(session), "/archive"]))
    assert opened.status_code == 302 and opened.headers["location"] == "/archive"
    cookie = opened.headers["set-cookie"]
    assert (
        cookie.startswith(f"textfile_browse_{session.started.port}=")
        and "HttpOnly" in cookie
        and "SameSite=Strict" in cookie
    )
    assert page.status_code == 200 and "A read-only copy of the archive taken" in page.text
    logged_in(session, "/archive")
    with Archive.open(archive_path) as archive:
        log = entries(archive.conn, command=None)
    started = [e for e in log if e.command == "browse"]
    opens = [e for e in log if e.command == "browse opened"]
    assert [e.details for e in started] == [
        {
            "port": session.started.port,
            "copy_taken_at": session.started.taken_at,
            "messages": 4,
            "by": session.started.by,
        }
    ]
    assert [e.details for e in opens] == [
        {"port": session.started.port, "by": session.started.by, "browser": "python-httpx/" + httpx.__version__}
    ] * 2


def test_every_response_forbids_caching_framing_and_loading_from_elsewhere(session):
    (page,) = logged_in(session, "/archive/message_list")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_message_list_holds_every_message_with_its_client_matter_and_sender(session, filled):
    (listed,) = logged_in(session, "/archive/message_list.json?_shape=array&_sort=sent_at&_nocol=message")
    png = hashlib.sha256(PNG).hexdigest()
    svg = hashlib.sha256(SVG).hexdigest()
    sam = "Sam Client +12025550143"
    common = {"conversation": sam, "client": '["Sam Client"]', "matter": '["M-1"]', "service": "SMS", "year": "2024"}
    assert [{k: v for k, v in r.items() if k != "rowid"} for r in listed.json()] == [
        {
            "sent": "2024-03-01 07:01:00 -05:00",
            "sender": "Sam Client",
            "number": "+12025550143",
            "direction": "in",
            "body": "<script>alert('x')</script> & <b>bold</b>",
            "attachments": "[]",
            **common,
            "sent_at": "2024-03-01T12:01:00.000Z",
        },
        {
            "sent": "2024-03-01 07:02:00 -05:00",
            "sender": "Alex Owner",
            "number": "+12025550100",
            "direction": "out",
            "body": "invoice\u202efdp.exe\nsecond line",
            "attachments": "[]",
            **common,
            "sent_at": "2024-03-01T12:02:00.000Z",
        },
        {
            "sent": "2024-03-01 07:03:00 -05:00",
            "sender": "Sam Client",
            "number": "+12025550143",
            "direction": "in",
            "body": "",
            "attachments": json.dumps(
                [
                    [png, "photo.png", "image/png", None],
                    [svg, "drawing.svg", "image/svg+xml", None],
                    [None, "clip.mp4", "video/mp4", "not included in the backup"],
                ]
            ),
            **common,
            "sent_at": "2024-03-01T12:03:00.000Z",
        },
        {
            "sent": "2024-03-01 07:04:00 -05:00",
            "sender": "",
            "number": "+12025550177",
            "direction": "in",
            "body": "who is this?",
            "attachments": "[]",
            "conversation": "+12025550177",
            "client": "[]",
            "matter": "[]",
            "service": "SMS",
            "year": "2024",
            "sent_at": "2024-03-01T12:04:00.000Z",
        },
    ]
    # its rowid is the message's: the archive's own full-text index finds it
    with sqlite3.connect(session.copy) as copy:
        assert copy.execute(
            "SELECT count(*) FROM message_list l JOIN messages m ON m.rowid = l.rowid WHERE m.id = l.message"
        ).fetchone() == (4,)
    (found,) = logged_in(session, "/archive/message_list.json?_search=invoice&_shape=array")
    assert [r["sent_at"] for r in found.json()] == ["2024-03-01T12:02:00.000Z"]


def test_facets_by_client_matter_conversation_direction_service_and_year(session):
    (page,) = logged_in(session, "/archive/message_list.json")
    facets = page.json()["facet_results"]
    assert sorted(facets) == ["client", "conversation", "direction", "matter", "service", "year"]
    assert {r["value"]: r["count"] for r in facets["matter"]["results"]} == {"M-1": 3}  # (the unfiled: none)
    assert {r["value"]: r["count"] for r in facets["direction"]["results"]} == {"in": 3, "out": 1}


def test_a_message_is_shown_as_text_never_as_html_with_marks_for_what_is_not_seen(session, filled):
    row = filled.conn.execute("SELECT rowid, id FROM messages WHERE body LIKE '<script>%'").fetchone()
    listed, record, query = logged_in(
        session,
        "/archive/message_list?_sort=sent_at",
        f"/archive/messages/{row['id']}",
        "/archive?sql=select+body+from+messages",
    )
    for page in (listed, record, query):
        assert "<script>alert" not in page.text and "<b>bold</b>" not in page.text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page.text
    assert (
        'invoice<span class="tf-mark" title="U+202E right-to-left override">⟦RLO⟧</span>fdp.exe\nsecond line'
        in listed.text
    )
    assert "\u202e" not in listed.text


def test_images_are_served_inline_under_a_policy_without_scripts_and_the_rest_as_downloads(session):
    png = hashlib.sha256(PNG).hexdigest()
    svg = hashlib.sha256(SVG).hexdigest()
    listed, image, drawing, unknown = logged_in(
        session,
        "/archive/message_list?_sort=sent_at",
        f"/-/attachment/{png}",
        f"/-/attachment/{svg}",
        "/-/attachment/" + "0" * 64,
    )
    assert f'<img class="tf-thumb" src="/-/attachment/{png}" alt="photo.png" loading="lazy">' in listed.text
    name = '<span class="tf-text" dir="auto">{}</span>'.format
    assert (
        f'<a class="tf-attachment" href="/-/attachment/{svg}">{name("drawing.svg")}</a> (image/svg+xml)' in listed.text
    )
    assert (
        f'<span class="tf-missing">{name("clip.mp4")} (not in the export: not included in the backup)</span>'
        in listed.text
    )
    assert (image.status_code, image.headers["content-type"], image.content) == (200, "image/png", PNG)
    assert (
        image.headers["content-security-policy"]
        == "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    assert image.headers["content-disposition"] == "inline; filename*=UTF-8''photo.png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert (drawing.status_code, drawing.headers["content-type"], drawing.content) == (
        200,
        "application/octet-stream",
        SVG,
    )
    assert drawing.headers["content-disposition"] == "attachment; filename*=UTF-8''drawing.svg"
    assert unknown.status_code == 404


def test_an_attachment_that_no_longer_matches_its_hash_is_not_served(session):
    png = hashlib.sha256(PNG).hexdigest()
    with sqlite3.connect(session.copy) as copy:
        copy.execute("UPDATE blobs SET data = ? WHERE sha256 = ?", (PNG + b"x", png))
    (served,) = logged_in(session, f"/-/attachment/{png}")
    assert served.status_code == 500
    assert served.text == f"The archive's attachment {png} does not match its SHA-256: run `textfile verify`."


def test_it_is_read_only_and_the_database_file_is_not_offered(session, filled):
    before = filled.conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    wrote, download = logged_in(
        session,
        "/archive?sql=insert+into+clients+(name,+created_at)+values+('X',+'now')",
        "/archive.db",
    )
    assert wrote.status_code == 400 and "Statement must be a SELECT" in wrote.text
    assert download.status_code in (403, 404)
    assert filled.conn.execute("SELECT count(*) FROM clients").fetchone()[0] == before


def test_the_copy_is_private_and_removed_when_the_session_ends(filled, archive_path):
    started = Session.start(archive_path, 0)
    folder = started.copy.parent
    assert oct(folder.stat().st_mode & 0o777) == "0o700" and oct(started.copy.stat().st_mode & 0o777) == "0o600"
    started.close()
    assert not folder.exists()


def test_other_datasette_plugins_are_not_loaded(session):
    from datasette import hookimpl
    from datasette.plugins import pm

    class Uploads:
        @hookimpl
        def register_routes(self):
            return [(r"^/-/upload$", lambda: None)]

    pm.register(Uploads(), "uploads")
    try:
        session.app()
        assert "uploads" not in {pm.get_name(p) for p in pm.get_plugins()}
        assert "textfile" in {pm.get_name(p) for p in pm.get_plugins()}
    finally:
        if pm.has_plugin("uploads"):
            pm.unregister(name="uploads")


def test_a_taken_port_is_one_error_and_nothing_is_copied(filled, archive_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidInput) as error:
            Session.start(archive_path, port)
    assert str(error.value) == (
        f"port {port} on 127.0.0.1 is in use (another textfile browse?): pass --port N, or --port 0 for any free one"
    )
    assert [e.command for e in entries(filled.conn, command="browse")] == []


def test_without_the_browse_extra_it_says_how_to_install_it(cli, monkeypatch):
    import sys

    def never(*args):
        raise AssertionError("served")

    monkeypatch.setattr(Session, "start", never)
    monkeypatch.setitem(sys.modules, "datasette", None)
    result = cli("browse")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: textfile browse needs Datasette, which is not installed")
    assert "pip install 'textfile[browse]'" in result.output


def forwarding_folder_left(page: str) -> bool:
    return Path(page.removeprefix("file://")).parent.exists()


def test_the_command_prints_the_link_and_open_hands_it_to_the_browser(cli, filled, monkeypatch):
    import time
    import webbrowser

    opened, seen = [], []
    monkeypatch.setattr(webbrowser, "open", lambda page: opened.append(page) or True)

    def serve(self):  # (instead of serving until Ctrl-C: the browser was handed the link meanwhile)
        deadline = time.monotonic() + 10
        while not opened and time.monotonic() < deadline:
            time.sleep(0.01)
        forwarding = Path(opened[0].removeprefix("file://"))
        seen.append((oct(forwarding.stat().st_mode & 0o777), forwarding.read_text()))
        self.close()

    monkeypatch.setattr(Session, "serve", serve)
    result = cli("browse", "--port", "0", "--open")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    url = lines[1].removeprefix("Open: ")
    assert url.startswith("http://127.0.0.1:") and "/-/login?token=" in url
    # the browser is handed a private file that forwards to the link (its command line is not private)
    [page] = opened
    assert page.startswith("file:///") and page.endswith("/open.html") and "token" not in page
    assert seen == [
        (
            "0o600",
            '<!DOCTYPE html><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
            f'<meta http-equiv="refresh" content="0; url={url}"><title>textfile browse</title>',
        )
    ]
    assert not forwarding_folder_left(opened[0])
    [start] = [e for e in entries(filled.conn, command="browse")]
    assert lines == [
        f"Browsing a read-only copy of the archive (4 messages), taken {start.details['copy_taken_at']}.",
        f"Open: {url}",
        "The link holds this run's token: keep it to yourself. Ctrl-C stops it.",
        "Stopped; the copy was removed.",
    ]


def test_a_message_filed_to_two_matters_is_found_under_each(cli, filled, archive_path):
    assert cli("matter", "open", "M-2", "--client", "Sam Client", "--title", "Deposit").exit_code == 0
    sam = filled.conn.execute("SELECT id FROM conversations WHERE source_key = '+12025550143'").fetchone()[0]
    assert cli("file", str(sam), "--matter", "M-2").exit_code == 0
    session = Session.start(archive_path, 0)
    try:
        listed, one, two = logged_in(
            session,
            "/archive/message_list.json",
            "/archive/message_list.json?matter__arraycontains=M-1&_shape=array",
            "/archive/message_list.json?matter__arraycontains=M-2&_shape=array",
        )
        page = logged_in(session, "/archive/message_list?_sort=sent_at")[0].text
    finally:
        session.close()
    assert {r["value"]: r["count"] for r in listed.json()["facet_results"]["matter"]["results"]} == {"M-1": 3, "M-2": 3}
    assert [r["matter"] for r in one.json()] == [r["matter"] for r in two.json()] == ['["M-1", "M-2"]'] * 3
    assert (
        '<td class="col-matter type-str"><span class="tf-text" dir="auto">M-1</span>, <span class="tf-text" dir="auto">M-2</span></td>'
        in page
    )


def test_what_would_display_reversed_is_marked_wherever_a_name_is_shown(filled, archive_path):
    evil = Participant("+12025550166", "Evil\u202enomis")
    chat = Conversation("android", "+12025550166", None, False, (evil, ME))
    ingest_records(
        filled,
        [
            replace(
                msg(9, "see attached", conversation=chat),
                attachments=(Attachment("invoice\u202efdp.exe", "application/x-msdownload", data=b"MZ"),),
            )
        ],
    )
    session = Session.start(archive_path, 0)
    try:
        pages = logged_in(
            session,
            "/archive/message_list",
            "/archive/messages",
            "/archive/participants",
            "/archive/message_attachments",
            "/-/attachment/" + hashlib.sha256(b"MZ").hexdigest(),
        )
    finally:
        session.close()
    for page in pages[:4]:
        assert page.status_code == 200 and "\u202e" not in page.text, page.url
    assert (
        '>Evil<span class="tf-mark" title="U+202E right-to-left override">⟦RLO⟧</span>nomis' in pages[0].text
    )  # the facet
    assert "⟦RLO⟧</span>nomis" in pages[2].text  # the participant's name
    assert pages[4].headers["content-disposition"] == "attachment; filename*=UTF-8''invoice%E2%9F%A6RLO%E2%9F%A7fdp.exe"


def test_the_root_leads_to_the_archive_and_an_error_is_a_page_not_a_traceback(session, capfd):
    root, searched = logged_in(session, "/", '/archive/message_list?_search="&_searchmode=raw')
    assert (root.status_code, root.headers["location"]) == (302, "/archive")
    assert (searched.status_code, "<title>Invalid SQL</title>" in searched.text) == (400, True)
    assert "Traceback" not in capfd.readouterr().out


@pytest.fixture
def timeline_of_1200(cli, archive, archive_path):
    """`page(path)`: a page of a session on an archive whose matter M-1 holds 1,200 messages."""
    assert cli("client", "add", "Sam Client", "--phone", "+12025550143").exit_code == 0
    assert cli("matter", "open", "M-1", "--client", "Sam Client", "--title", "Lease").exit_code == 0
    ingest_records(archive, [msg(n) for n in range(1, 1_201)])

    def page(path: str) -> httpx.Response:
        session = Session.start(archive_path, 0)
        try:
            return logged_in(session, path)[0]
        finally:
            session.close()

    return page


def test_a_query_gives_more_than_the_first_thousand_rows(timeline_of_1200):
    got = timeline_of_1200("/archive/matter_timeline.json?matter=M-1&_shape=objects").json()
    assert (len(got["rows"]), got["truncated"]) == (1_200, False)  # (Datasette alone: 1,000)


def test_a_query_cut_short_says_so_plainly(timeline_of_1200, monkeypatch):
    from textfile.browse import pages

    monkeypatch.setitem(pages.SETTINGS, "max_returned_rows", 1_000)
    page = timeline_of_1200("/archive/matter_timeline?matter=M-1")
    assert (
        '<p class="tf-truncated">Only the first 1,000 rows of the answer are shown here (and in its CSV): the rest are not.'
        in page.text
    )
    assert "<title>A matter&#39;s timeline</title>" in page.text
