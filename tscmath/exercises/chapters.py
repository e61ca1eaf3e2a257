"""Checkers of the short "Exercises" sections at the end of chapters 01-08.

Ids are ``"<chapter>.<n>"`` (``"04.1"``); names say what is asked.
"""

from __future__ import annotations
