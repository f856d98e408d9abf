"""Duty to respond (issue 18): the messages a professional must look at, and whether they were answered.

Begun: the lexicons (`lexicons.py`: per category, whole words and phrases, shipped as data and
matched through the full-text index). Still to come: the review queue, escalation with response
times, consent and opt-outs, working hours, minors, the report.
"""
