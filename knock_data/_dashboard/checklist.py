"""A filter that reads at a glance: a list of checkboxes with counts, a search box and a line
saying what is selected.

A multi-select list shows "everything selected" as a grey block that looks disabled, and
hides selections scrolled out of view. Here every value is a ticked or unticked box, the
line under the caption says what is kept ("All 7", "2 of 7: Maple Court, Harbor Point"),
a search box narrows a long list, and *All* / *None* select in one click. Its ``value`` is
the tuple of selected values, as a ``SelectMultiple``'s is, so code sets it as a click does.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from knock_data._exceptions import ConfigurationError
from knock_data._schema import is_missing

__all__ = ["CheckList"]

_SEARCH_FROM = 8  # options from which a search box is offered
_NAMED_IN_SUMMARY = 3


class CheckList(widgets.VBox):
    """Checkboxes for ``values`` under a caption and a summary of what is selected.

    Parameters
    ----------
    title
        The caption ("Source").
    values
        The choices, in the order shown (``None`` for the missing value).
    labels
        What each choice is called, without its count.
    spelling
        Reads a value set from code as a choice (statuses: any spelling of one); a value
        that is no choice is an error listing the close ones.
    """

    value = traitlets.Tuple(help="The selected values, in the order of the choices.")

    def __init__(
        self,
        title: str,
        values: Sequence[Any],
        labels: Sequence[str],
        *,
        spelling: Callable[[Any], Any] | None = None,
    ) -> None:
        self._values = tuple(values)
        self._labels = tuple(labels)
        self._spelling = spelling
        self._counts: tuple[int, ...] = (0,) * len(self._values)
        self._syncing = False
        self._title = title
        self.caption = widgets.HTML()
        self.boxes = [
            widgets.Checkbox(
                value=True,
                description=html.escape(label),
                description_allow_html=True,
                indent=False,
                layout=widgets.Layout(width="auto", margin="0", height="22px"),
            )
            for label in self._labels
        ]
        for box in self.boxes:
            box.observe(self._on_box, names="value")
        self.search = widgets.Text(
            placeholder=f"Search {title.lower()}…",
            layout=widgets.Layout(
                width="auto",
                flex="1 1 auto",
                display=None if len(values) >= _SEARCH_FROM else "none",
            ),
        )
        self.search.observe(self._on_search, names="value")
        self.all_button = widgets.Button(
            description="All", tooltip=f"Select every {title.lower()}", layout=_small()
        )
        self.none_button = widgets.Button(
            description="None", tooltip=f"Clear the {title.lower()} selection", layout=_small()
        )
        self.all_button.on_click(lambda _: self._select_all(True))
        self.none_button.on_click(lambda _: self._select_all(False))
        self.list = widgets.VBox(
            self.boxes,
            layout=widgets.Layout(
                max_height="150px", overflow="auto", border="1px solid #ddd", padding="2px 6px"
            ),
        )
        super().__init__(
            [
                self.caption,
                widgets.HBox(
                    [self.search, self.all_button, self.none_button],
                    layout=widgets.Layout(align_items="center"),
                ),
                self.list,
            ],
            layout=widgets.Layout(min_width="230px", flex="1 1 230px", margin="0 8px 4px 0"),
        )
        self.add_class("knock-checklist")
        self.value = self._values
        self._write_caption()

    # -- what code reads and sets --------------------------------------------------------
    @property
    def options(self) -> tuple[tuple[str, Any], ...]:
        """(label with its count, value) for every choice, as a ``SelectMultiple`` lists them."""
        return tuple(
            (f"{label} ({count:,})", value)
            for label, count, value in zip(self._labels, self._counts, self._values, strict=True)
        )

    @property
    def counts(self) -> dict[Any, int]:
        """Each choice's count beside its box."""
        return dict(zip(self._values, self._counts, strict=True))

    def set_counts(self, counts: Sequence[int]) -> None:
        """Show ``counts`` beside the boxes (one per choice); a choice of 0 is greyed."""
        counts = tuple(int(c) for c in counts)
        if counts == self._counts:
            return
        self._counts = counts
        with self.hold_sync():
            for box, label, count in zip(self.boxes, self._labels, counts, strict=True):
                text = f"{html.escape(label)} <span style='color:#666'>({count:,})</span>"
                if count == 0:
                    text = f"<span style='color:#999'>{html.escape(label)} (0)</span>"
                if box.description != text:
                    box.description = text
        self._write_caption()

    # -- keeping the boxes and the value in step -------------------------------------------
    @traitlets.validate("value")
    def _valid(self, proposal: dict[str, Any]) -> tuple[Any, ...]:
        choices = {_key(v) for v in self._values}
        wanted = set()
        for value in proposal["value"]:
            key = _key(value)
            if key not in choices and self._spelling is not None and key is not None:
                key = _key(self._spelling(value))
            if key not in choices:
                raise self._no_choice(value)
            wanted.add(key)
        return tuple(v for v in self._values if _key(v) in wanted)

    def _no_choice(self, value: Any) -> ConfigurationError:
        texts = [str(v) for v in self._values if v is not None] + list(self._labels)
        close = difflib.get_close_matches(str(value), texts, n=3)
        hint = f"Did you mean {', '.join(map(repr, close))}? " if close else ""
        return ConfigurationError(
            f"{self._title} has no value {value!r}.",
            hint=hint + "The values are the second item of each pair in its .options; "
            "None stands for the missing value.",
        )

    @traitlets.observe("value")
    def _on_value(self, change: dict[str, Any]) -> None:
        chosen = set(_keys(change["new"]))
        self._syncing = True
        try:
            with self.hold_sync():
                for box, value in zip(self.boxes, self._values, strict=True):
                    ticked = _key(value) in chosen
                    if box.value != ticked:
                        box.value = ticked
        finally:
            self._syncing = False
        self._write_caption()

    def _on_box(self, _change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self.value = tuple(v for box, v in zip(self.boxes, self._values, strict=True) if box.value)

    def _select_all(self, selected: bool) -> None:
        self.value = self._values if selected else ()

    def _on_search(self, change: dict[str, Any]) -> None:
        needle = str(change["new"]).strip().casefold()
        for box, label in zip(self.boxes, self._labels, strict=True):
            box.layout.display = None if needle in label.casefold() else "none"

    def _write_caption(self) -> None:
        chosen = set(_keys(self.value))
        n, total = len(chosen), len(self._values)
        names = [
            label for label, v in zip(self._labels, self._values, strict=True) if _key(v) in chosen
        ]
        if n == total:
            what = f"all {total:,}"
        elif n == 0:
            what = "<b style='color:#b00'>none selected</b>"
        else:
            shown = ", ".join(html.escape(name) for name in names[:_NAMED_IN_SUMMARY])
            more = f" and {n - _NAMED_IN_SUMMARY:,} more" if n > _NAMED_IN_SUMMARY else ""
            what = f"<b>{n:,} of {total:,}</b>: {shown}{more}"
        self.caption.value = (
            f"<b>{html.escape(self._title)}</b> <span style='color:#555'>· {what}</span>"
        )

    @property
    def summary(self) -> str:
        """The line under the caption as text: ``"Source · 2 of 17: Zillow, Yelp"``."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.caption.value))


def _key(value: Any) -> Any:
    """A hashable stand-in for a choice (``None`` and NaN are one missing value)."""
    return None if is_missing(value) else value


def _keys(values: Sequence[Any]) -> list[Any]:
    return [_key(v) for v in values]


def _small() -> widgets.Layout:
    return widgets.Layout(width="52px", padding="0", margin="0 0 0 4px")
