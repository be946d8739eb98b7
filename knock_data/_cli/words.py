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
# An argument named bare, as in "base_url 'http://...' is plain http://": one with an
# underscore, which prose never has.
_BARE = re.compile(r"\b([a-z]+_[a-z_]+)\b(?!=)")
# Arguments the command line takes from elsewhere, and "X or X" once said twice.
_ELSEWHERE = {"api_key": "$KNOCK_API_KEY"}
_TWICE = re.compile(r"(\$?[A-Za-z_-]+) or \1\b")


def _options(parser: argparse.ArgumentParser) -> dict[str, tuple[str, bool]]:
    """Each option's ``dest``: its long flag, and whether it is a switch (no value)."""
    options: dict[str, tuple[str, bool]] = {}
    for action in parser._actions:  # argparse's documented-by-use list of an parser's options
        long = [s for s in action.option_strings if s.startswith("--")]
        if long and action.dest not in options:
            options[action.dest] = (long[0], action.nargs == 0)
    return options


def in_cli_words(text: str, parser: argparse.ArgumentParser) -> str:
    """``text`` with each ``name=value`` of an option the parser has written as its flag.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> _ = parser.add_argument("--sep"), parser.add_argument("--env")
    >>> in_cli_words("Pass sep=';' or env='stage', not api_key=....", parser)
    "Pass --sep ';' or --env stage, not $KNOCK_API_KEY."
    >>> _ = parser.add_argument("--allow-insecure", action="store_true")
    >>> in_cli_words("Check the key (api_key= or $KNOCK_API_KEY), or allow_insecure=True.", parser)
    'Check the key ($KNOCK_API_KEY), or --allow-insecure.'
    """
    options = _options(parser)

    def say(match: re.Match[str]) -> str:
        name, value = match[1], match[2]
        if name in _ELSEWHERE:
            return _ELSEWHERE[name]
        if name not in options:
            return match[0]
        flag, switch = options[name]
        if switch and value.rstrip(".") == "True":  # at a sentence's end, maybe
            return flag + value[4:]  # --allow-insecure, not --allow-insecure True
        value = _SHELL_VALUES.get(value, value)
        if len(value) >= 2 and value[0] == value[-1] == "'" and _PLAIN.fullmatch(value[1:-1]):
            value = value[1:-1]  # --env stage, not --env 'stage'
        return f"{flag} {value}".rstrip() if value not in ("", "...") else flag

    def bare(match: re.Match[str]) -> str:
        known = options.get(match[1])
        return known[0] if known else match[0]

    said = _BARE.sub(bare, _ARGUMENT.sub(say, text))
    return _TWICE.sub(r"\1", said)
