from __future__ import annotations

import pytest

from bot.commands.loader import load_commands
from bot.commands.registry import CommandRegistry, clean_text


def make() -> CommandRegistry:
    registry = CommandRegistry()

    @registry.command("status", usage="status BR-2026-0007")
    async def status(turn: object) -> None:
        """Show one case."""

    @registry.command("new referral", aliases=("refer",))
    async def refer(turn: object) -> None:
        """Start a referral."""

    @registry.command("new", hidden=True)
    async def new(turn: object) -> None:
        """Something else."""

    return registry


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("status BR-2026-0007", "status", "BR-2026-0007"),
        ("STATUS   br-2026-0007 ", "status", "br-2026-0007"),
        ("<at>Case Review Bot</at> status BR-2026-0001", "status", "BR-2026-0001"),
        ("new referral", "new referral", ""),
        ("refer", "new referral", ""),
        ("new thing", "new", "thing"),
    ],
)
def test_exact_words_route(text: str, name: str, args: str) -> None:
    match = make().match(clean_text(text))
    assert match is not None
    assert (match.command.name, match.args) == (name, args)


@pytest.mark.parametrize("text", ["statuses", "show status", "", "   ", "<at>Bot</at>"])
def test_no_substring_routing(text: str) -> None:
    assert make().match(clean_text(text)) is None


def test_did_you_mean() -> None:
    assert make().suggest("stauts BR-1") == ["status"]
    assert make().suggest("banana") == []


def test_help_text_is_the_docstring_first_line() -> None:
    (status, refer) = make().commands
    assert status.help == "Show one case."
    assert refer.help == "Start a referral."


def test_docstring_is_required_and_words_unique() -> None:
    registry = make()
    with pytest.raises(ValueError, match="docstring"):

        @registry.command("x")
        async def nodoc(turn: object) -> None:
            pass

    with pytest.raises(ValueError, match="twice"):

        @registry.command("status")
        async def again(turn: object) -> None:
            """Again."""


def test_clean_text_is_linear_on_text_full_of_angle_brackets() -> None:
    """A quadratic pattern took 11 s on 80,000 "<"; a linear one does a megabyte at once.
    (Generous bound: it only catches a return to quadratic time, which would take minutes.)"""
    import time

    for text in ("<" * 1_000_000, "<a" * 500_000, "<at>" * 250_000, "<" * 999_999 + ">"):
        began = time.perf_counter()
        clean_text(text)
        assert time.perf_counter() - began < 5


def test_clean_text_removes_markup() -> None:
    assert clean_text("<at>Bot</at>&nbsp;help <b>me</b>") == "help me"


def test_the_product_registry_has_help() -> None:
    assert load_commands()[0].match("help") is not None
