"""`textfile browse`: the archive in Datasette, read-only, for a person who would rather click, filter
and read than type SQL.

  session.py    the session: the copy served, Datasette with textfile's plugin only, 127.0.0.1, audited
  snapshot.py   the copy of the archive it serves (immutable), with `message_list`: a message a row
  gate.py       the token, the session's cookie, the Host, the headers every response carries
  pages.py      what Datasette is told: titles, descriptions, facets, search, sort, queries, settings
  metadata.py   the titles and descriptions of every table and column of the archive
  queries.py    the canned queries for the weekly questions
  plugin.py     text shown as text (marks for what is not seen), attachments served safely, column titles
  templates/    Datasette's pages for a person: the database page (questions first, tables by title),
                a table's (column titles, descriptions folded), facets (titles, marks), a query's tab title
  static/       the stylesheet

Datasette is an optional extra: `pip install 'textfile[browse]'`.
"""
