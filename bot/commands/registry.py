"""Commands are decorated async functions; the registry routes exact words.

``@registry.command("status", usage="status BR-2026-0007", who=..., where=...)`` on ``async
def status(ctx)``: the docstring's first paragraph is the help text; ``who`` is the roles that
may run it (None: anyone; the command then checks each case), ``where`` is "personal",
"channel" or "both". Routing strips the @mention and a leading "/", lower-cases the first one
or two words and looks them up exactly (never by substring); an unknown word gets a "did you
mean" from the known names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from workflow import authorisation

Handler = Callable[[Any], Awaitable[None]]

# Both linear: neither can run past the next "<", so text full of "<" costs one pass.
_MENTION = re.compile(r"<at>[^<]*</at>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")


PERSONAL, CHANNEL, BOTH = "personal", "channel", "both"


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    help: str
    usage: str
    aliases: tuple[str, ...] = ()
    hidden: bool = False
    who: frozenset[str] | None = None  # the roles that may run it; None: anyone
    where: str = PERSONAL
    menu: bool = False  # offered in Teams' command menu (the app package's commandLists)

    def allowed_here(self, personal: bool) -> bool:
        return self.where == BOTH or self.where == (PERSONAL if personal else CHANNEL)

    def allowed_for(self, roles: frozenset[str]) -> bool:
        return self.who is None or bool(self.who & roles)

    @property
    def rule(self) -> authorisation.Rule:
        """Its row of the authorisation matrix (a command made outside the table, in a test,
        from its own ``who`` and ``where``)."""
        known = authorisation.COMMANDS.get(self.name)
        if known is not None:
            return known
        places = {
            PERSONAL: authorisation.ONE_TO_ONE,
            CHANNEL: authorisation.CHANNEL_ONLY,
            BOTH: authorisation.BOTH,
        }[self.where]
        return authorisation.Rule(self.who, places)


@dataclass
class Match:
    command: Command
    args: str


@dataclass
class CommandRegistry:
    _commands: dict[str, Command] = field(default_factory=dict)
    _lookup: dict[str, Command] = field(default_factory=dict)

    def command(
        self,
        name: str,
        *,
        usage: str = "",
        aliases: Iterable[str] = (),
        hidden: bool = False,
        who: Iterable[str] | None = None,
        where: str = PERSONAL,
        menu: bool = False,
    ) -> Callable[[Handler], Handler]:
        if where not in (PERSONAL, CHANNEL, BOTH):
            raise ValueError(f"command {name!r}: where={where!r}")

        def register(handler: Handler) -> Handler:
            doc = (handler.__doc__ or "").strip().split("\n\n")[0]
            if not doc:
                raise ValueError(f"command {name!r} needs a docstring: its first line is the help")
            self.add(
                Command(
                    name=name,
                    handler=handler,
                    help=" ".join(doc.split()),
                    usage=usage or name,
                    aliases=tuple(aliases),
                    hidden=hidden,
                    who=None if who is None else frozenset(who),
                    where=where,
                    menu=menu,
                )
            )
            return handler

        return register

    def add(self, command: Command) -> None:
        for word in (command.name, *command.aliases):
            key = word.lower()
            if key in self._lookup:
                raise ValueError(f"command word {word!r} registered twice")
            self._lookup[key] = command
        self._commands[command.name] = command

    def copy(self) -> CommandRegistry:
        return CommandRegistry(dict(self._commands), dict(self._lookup))

    @property
    def commands(self) -> list[Command]:
        return [c for c in self._commands.values() if not c.hidden]

    def menu(self, personal: bool) -> list[Command]:
        """The command menu of one scope: 1:1 ("personal") or the team's channel."""
        return [c for c in self.commands if c.menu and c.allowed_here(personal)]

    def for_person(self, roles: frozenset[str], personal: bool) -> list[Command]:
        """What this person may run here."""
        return [c for c in self.commands if c.allowed_for(roles) and c.allowed_here(personal)]

    def match(self, text: str) -> Match | None:
        """The command ``text`` names; ``text`` is already cleaned (``clean_text``), once
        per turn."""
        words = text.removeprefix("/").split()
        if not words:
            return None
        # Longer names ("not in full", "new referral") win over shorter ones.
        for size in (3, 2, 1):
            if len(words) >= size:
                key = " ".join(words[:size]).lower()
                found = self._lookup.get(key)
                if found is not None:
                    return Match(found, " ".join(words[size:]))
        return None

    def suggest(self, text: str) -> list[str]:
        """Close command names, for "did you mean"; ``text`` is already cleaned."""
        words = text.removeprefix("/").split()
        if not words:
            return []
        names = [c.name for c in self.commands]
        first = words[0].lower()
        found = difflib.get_close_matches(first, names, n=3, cutoff=0.6)
        if not found and len(words) > 1:
            found = difflib.get_close_matches(" ".join(words[:2]).lower(), names, n=3, cutoff=0.6)
        return found


def clean_text(text: str | None) -> str:
    """The user's words: @mentions, markup and extra spaces removed."""
    if not text:
        return ""
    text = _MENTION.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = text.replace("&nbsp;", " ")
    return " ".join(text.split())
