"""The command line's words: a library message with Python's spelling of an option
(``column=``, ``env='stage'``) said with the flag that sets it (``--column``,
``--env stage``).

The library's errors name the arguments a Python caller passes; on the command line the
same advice must name the flags. Which flag sets which argument is read from the
subcommand's own parser (each flag's ``dest`` is the library's argument name), so nothing
here restates the options.
"""

from __future__ import annotations

import argparse
import re

__all__ = ["in_cli_words"]

# name=value as the library writes it: a quoted value, "..." or a bare word (maybe none).
_ARGUMENT = re.compile(r"\b([a-z][a-z_]*)=('(?:[^'\\]|\\.)*'|\"[^\"]*\"|\.\.\.|[^\s,;)]*)")
_PLAIN = re.compile(r"[A-Za-z0-9_./:@-]+")
# Values the shell needs spelt another way.
_SHELL_VALUES = {"'\\t'": "tab"}


def flags_of(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each option's ``dest`` and its long flag (``{"header_row": "--header-row"}``)."""
    flags: dict[str, str] = {}
    for action in parser._actions:  # argparse's documented-by-use list of an parser's options
        long = [s for s in action.option_strings if s.startswith("--")]
        if long and action.dest not in flags:
            flags[action.dest] = long[0]
    return flags


def in_cli_words(text: str, parser: argparse.ArgumentParser) -> str:
    """``text`` with each ``name=value`` of an option the parser has written as its flag.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> _ = parser.add_argument("--sep"), parser.add_argument("--env")
    >>> in_cli_words("Pass sep=';' or env='stage', not api_key=....", parser)
    "Pass --sep ';' or --env stage, not api_key=...."
    """
    flags = flags_of(parser)

    def say(match: re.Match[str]) -> str:
        name, value = match[1], match[2]
        flag = flags.get(name)
        if flag is None:
            return match[0]
        value = _SHELL_VALUES.get(value, value)
        if len(value) >= 2 and value[0] == value[-1] == "'" and _PLAIN.fullmatch(value[1:-1]):
            value = value[1:-1]  # --env stage, not --env 'stage'
        return f"{flag} {value}".rstrip() if value not in ("", "...") else flag

    return _ARGUMENT.sub(say, text)
