"""A new command is one function in one module (issue 16): `textfile.cli` finds every `@command`
function of its modules, names it by its function (`client_add` is `client add`) and lists it in
HELP_ORDER's place, or last."""

import types

import typer
from typer.testing import CliRunner

from textfile import cli
from textfile.cli.output import command, say


def test_every_command_is_found_and_listed_in_the_help_order():
    assert list(cli.commands()) == list(cli.HELP_ORDER)
    assert {name: fn.__module__ for name, fn in cli.commands().items()}["client add"] == "textfile.cli.clients"
    assert [c.name for c in typer.main.get_group(cli.app).commands.values()][:3] == ["init", "import", "conversations"]


def test_a_new_command_needs_no_other_edit():
    fake = types.ModuleType("textfile.cli.fake")

    @command
    def client_archive(name: str):
        """Archive a client's file.

        Example: textfile client archive "Sam Client\""""
        say(f"archived {name}")

    @command
    def export_():
        """Export everything.

        Example: textfile export"""

    def not_a_command():
        pass

    for fn in (client_archive, export_, not_a_command):
        fn.__module__ = fake.__name__
        setattr(fake, fn.__name__, fn)
    fake.say = say  # (an imported name is not the module's command)
    found = cli.commands((*cli.MODULES, fake))
    assert list(found)[-2:] == ["client archive", "export"]
    assert list(found)[:-2] == list(cli.HELP_ORDER)

    group = typer.Typer()
    cli._add(group, "archive", found["client archive"])
    group.command("other")(lambda: None)  # (a group of one command would run it without its name)
    help_text = CliRunner().invoke(group, ["archive", "--help"]).output
    assert "Archive a client's file." in help_text
    assert 'Example: textfile client archive "Sam Client"' in help_text
    assert CliRunner().invoke(group, ["archive", "Sam"]).output == "archived Sam\n"
