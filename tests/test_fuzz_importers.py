"""Every importer, fed hostile exports (tests/fuzz_build.py): exit 0, or exit 1 with one line naming
the file; never a traceback; after a refusal the archive exactly as it was; after an import, the
same import again adds nothing; every import done within the deadline.

Here a fast run, the same every time (settings profile `fuzz-ci`: 30 examples per format, a fixed
seed); `make fuzz` (benchmarks/fuzz.py) runs the same property with thousands. A failure hypothesis
finds is kept in .hypothesis/ and replayed first on the next run."""

from __future__ import annotations

import pytest
from conftest import FIXTURES
from fuzz_build import STRATEGIES, ChatText, ChatZip, Member, Repeat, attempt, make_template, prove
from hypothesis import given, seed, settings
from hypothesis import strategies as st

CI = settings.get_profile("fuzz-ci")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_template(tmp_path_factory.mktemp("fuzz"))


@pytest.mark.parametrize("fmt", list(STRATEGIES))
@CI
@seed(14)
@given(data=st.data())
def test_an_export_is_imported_or_refused_in_one_line(template, fmt, data):
    prove(attempt(data.draw(STRATEGIES[fmt], label="export"), template))


@settings(CI, max_examples=4)
@seed(14)
@given(export=STRATEGIES["android"] | STRATEGIES["whatsapp-txt"])
def test_the_command_itself_never_prints_a_traceback(template, export):
    """A sample through `python -m textfile`, as a user runs it: what a terminal would show."""
    prove(attempt(export, template, process=True, deadline=60))


# -- what the fuzzer found ---------------------------------------------------------------------


def test_a_line_of_direction_marks_is_read_in_time(template):
    """Found by make fuzz: HEADER began with two [marks]* around an optional "[", which backtracked at every line
    start (5,000 marks 1.2 s, 20,000 15 s); the marks are now matched possessively."""
    chat = ChatText(
        "WhatsApp Chat with Sam.txt", ("3/1/24, 9:00 AM - Sam: hi", Repeat("\u202e", 100_000)), args=("--me", "Sam")
    )
    prove(attempt(chat, template, deadline=5))


def test_a_zip_holding_its_chat_text_twice_under_one_name_is_read_or_refused_in_one_line(template):
    """Found by make fuzz: two members of one name tied on (rank, name) and sorted() compared their ZipInfo."""
    chat = Member("_chat.txt", (FIXTURES / "whatsapp" / "ios-zip-source" / "_chat.txt").read_bytes())
    prove(attempt(ChatZip("WhatsApp Chat - Jordan Lee.zip", (chat, chat)), template))
