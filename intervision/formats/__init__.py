"""One way to write a date per language, used by every page (``FORMAT_MODULE_PATH``):
templates name a format (``|date:"DATE_FORMAT"``, or plain ``{{ day }}``) instead of spelling
one out. English: "Tue 8 Dec 2026"; Dutch: "di 8 dec. 2026" (the Dutch month abbreviations,
with their full stop and "mei" without, are the "abbrev. month" entries of our catalogue).
E-mails keep their own sentence forms ("Tuesday 8 December")."""
