"""Clients, matters, their handles, and which conversation belongs where.

A filing puts a conversation, or the part of it between `from_at` and `until_at` (inclusive),
under a matter; a message is unfiled while no filing covers it. Filings are made by the automatic
rule (auto.py) or by a person (manual.py); what waits for a person is the unfiled queue
(`list_conversations(unfiled_only=True)`, conversations.py).

  names.py          a client, a matter or a conversation found by what a person calls it
  clients.py        clients and their handles; correcting them (`edit_client`)
  matters.py        opening, closing, holding and correcting matters
  auto.py           the automatic rule
  manual.py         filing by hand, unfiling
  conversations.py  the conversations as listed, the unfiled queue

The package's names are read as `filing.add_client`, `filing.auto_file`, … (ingest runs the rule
after each import; the tests and benchmarks file through them).
"""

from textfile.filing.auto import Filed, auto_file
from textfile.filing.clients import (
    AddedClient,
    Client,
    ClientChange,
    ClientSummary,
    EditedClient,
    Handle,
    KeptByHand,
    TakenBack,
    add_client,
    client,
    edit_client,
    list_clients,
)
from textfile.filing.conversations import (
    COVERED,
    ConversationSummary,
    ParticipantSummary,
    label,
    list_conversations,
)
from textfile.filing.manual import ManualFiling, RemovedFiling, Unfiled, file_conversation, unfile
from textfile.filing.matters import (
    EditedMatter,
    Matter,
    OpenedMatter,
    ReopenedMatter,
    edit_matter,
    list_matters,
    matter,
    open_matter,
    reopen_matter,
    set_matter_state,
)
from textfile.filing.names import client_row, matter_row, no_conversation, require_conversation

__all__ = [
    "COVERED",
    "AddedClient",
    "Client",
    "ClientChange",
    "ClientSummary",
    "ConversationSummary",
    "EditedClient",
    "EditedMatter",
    "Filed",
    "Handle",
    "KeptByHand",
    "ManualFiling",
    "Matter",
    "OpenedMatter",
    "ReopenedMatter",
    "ParticipantSummary",
    "RemovedFiling",
    "TakenBack",
    "Unfiled",
    "add_client",
    "auto_file",
    "client",
    "client_row",
    "edit_client",
    "edit_matter",
    "file_conversation",
    "label",
    "list_clients",
    "list_conversations",
    "list_matters",
    "matter",
    "matter_row",
    "no_conversation",
    "open_matter",
    "require_conversation",
    "reopen_matter",
    "set_matter_state",
    "unfile",
]
