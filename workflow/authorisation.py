"""Who may do what, and where: the authorisation matrix, in one table.

Every command word and every card verb has a row: the roles that may use it (``ANYONE``: every
signed-in person, the flow then checking the case they name) and the conversations it works
in. ``PERSONAL`` is a 1:1 chat with the bot; ``REVIEW_CHANNEL`` is the one case review channel
``setup`` chose; ``ANY_CHANNEL`` any team channel (only ``help`` and ``setup``, which is how a
channel becomes the case review channel). Nothing works in a group chat.

The handler (bot/handler.py) enforces the row before any handler runs, and audits every
refusal with the person's real roles; each flow then checks its own rule on the case (a
respondent's own case, the stage). The registries are built from this table and a test
checks that every registered command and verb has exactly one row here, and that every role
in every conversation gets the answer the row says, through the HTTP endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workflow.roles import Role

PERSONAL, REVIEW_CHANNEL, ANY_CHANNEL = "personal", "review_channel", "any_channel"
# What kind of conversation an activity came from, as the table sees it.
GROUP_CHAT, OTHER_CHANNEL = "group_chat", "other_channel"
CONVERSATIONS = (PERSONAL, REVIEW_CHANNEL, OTHER_CHANNEL, GROUP_CHAT)

PARTNERS = frozenset({Role.PARTNER_POLICE, Role.PARTNER_LA, Role.PARTNER_ICB})
BUSINESS_UNIT = frozenset({Role.BUSINESS_UNIT})
CHAIR = frozenset({Role.CHAIR})
ADMIN = frozenset({Role.ADMIN})
# Staff see every case (the stage, dates, staff names, decisions' outcomes).
STAFF = frozenset(
    {
        Role.BUSINESS_UNIT,
        Role.CHAIR,
        *PARTNERS,
        Role.STRATEGIC_DIRECTOR,
        Role.CSC_DEPUTY_DIRECTOR,
        Role.SCRUTINEER,
    }
)
DECISION_READERS = frozenset({Role.CHAIR, Role.BUSINESS_UNIT, Role.SCRUTINEER})
# Scoping views in full.
VIEW_READERS = frozenset({Role.BUSINESS_UNIT, Role.CHAIR, Role.STRATEGIC_DIRECTOR, *PARTNERS})
# The Information Gathering Tool returns and the merged chronology.
IGT_READERS = frozenset({Role.BUSINESS_UNIT, Role.CHAIR, *PARTNERS})
# An action's words.
ACTION_READERS = frozenset({Role.BUSINESS_UNIT, Role.CHAIR, *PARTNERS, Role.STRATEGIC_DIRECTOR})
# The rapid review pack (everything the case holds, in one document) and the annual figures.
PACK_READERS = frozenset({Role.BUSINESS_UNIT, Role.CHAIR})
FIGURE_READERS = frozenset({Role.BUSINESS_UNIT, Role.CHAIR, Role.SCRUTINEER})
LA_DECIDERS = frozenset({Role.STRATEGIC_DIRECTOR, Role.BUSINESS_UNIT})
# A referral's details, from a status card (1:1 only, each view audited).
DETAIL_READERS = frozenset(
    {
        Role.BUSINESS_UNIT,
        Role.CHAIR,
        Role.CSC_DEPUTY_DIRECTOR,
        Role.STRATEGIC_DIRECTOR,
        *PARTNERS,
    }
)


@dataclass(frozen=True)
class Rule:
    """``who``: the roles that may (None: anyone; the flow checks the case). ``where``: the
    conversations it works in."""

    who: frozenset[str] | None
    where: frozenset[str]

    def allows_place(self, place: str) -> bool:
        if place == REVIEW_CHANNEL:
            return bool(self.where & {REVIEW_CHANNEL, ANY_CHANNEL})
        if place == OTHER_CHANNEL:
            return ANY_CHANNEL in self.where
        return place in self.where

    @property
    def anyone(self) -> bool:
        """Open to everyone, whatever roles they hold: their roles need not be read for it."""
        return self.who is None

    def allows(self, roles: Iterable[str]) -> bool:
        return self.who is None or bool(self.who & frozenset(roles))


ANYONE = None
ONE_TO_ONE = frozenset({PERSONAL})
CHANNEL_ONLY = frozenset({REVIEW_CHANNEL})
BOTH = frozenset({PERSONAL, REVIEW_CHANNEL})


def _r(who: Iterable[str] | None, where: frozenset[str] = ONE_TO_ONE) -> Rule:
    return Rule(None if who is None else frozenset(who), where)


COMMANDS: dict[str, Rule] = {
    # finding out where things stand
    "help": _r(ANYONE, frozenset({PERSONAL, ANY_CHANNEL})),
    "whoami": _r(ANYONE, BOTH),
    "status": _r(ANYONE, BOTH),
    "cases": _r(ANYONE, BOTH),
    "timeline": _r(ANYONE, BOTH),
    "actions": _r(ANYONE, BOTH),
    "overdue": _r(STAFF, BOTH),
    "deadlines": _r(STAFF, BOTH),
    "review": _r(STAFF, BOTH),
    "decisions": _r(DECISION_READERS),
    # referral
    "refer": _r(ANYONE, BOTH),  # in the channel: the form is sent to the 1:1 chat
    "enter referral": _r(BUSINESS_UNIT),
    "add info": _r(ANYONE),  # the referrer of the case, or staff: the flow checks
    "correct awareness": _r(BUSINESS_UNIT),
    # scoping and the decisions on notification
    "view": _r(ANYONE),  # partners, or an agency invited on the case: the flow checks
    "scoping": _r(VIEW_READERS),
    "invite": _r(BUSINESS_UNIT),
    "la decision": _r(LA_DECIDERS),
    "notifications": _r(BUSINESS_UNIT),
    "decide": _r(BUSINESS_UNIT),
    "panel": _r(BUSINESS_UNIT),
    # information gathering
    "igt": _r(ANYONE),  # the respondent asked on the case: the flow checks
    "returns": _r(ANYONE),  # readers, or a respondent their own: the flow checks
    "chronology": _r(IGT_READERS),
    "pack": _r(PACK_READERS),
    "figures": _r(FIGURE_READERS, BOTH),  # counts only: the channel may see them
    # the local review and after
    "publication": _r(BUSINESS_UNIT),
    "report sent": _r(BUSINESS_UNIT),
    "close": _r(CHAIR),
    "commission": _r(BUSINESS_UNIT),
    "delay": _r(BUSINESS_UNIT),
    "comms": _r(BUSINESS_UNIT),
    "signed off": _r(BUSINESS_UNIT),
    "published": _r(BUSINESS_UNIT),
    "panel told": _r(BUSINESS_UNIT),
    "not in full": _r(CHAIR),
    "action add": _r(BUSINESS_UNIT),
    "action update": _r(ANYONE),  # the action's owner, or the Business Unit: the flow checks
    # administration
    "roles": _r(ADMIN),
    "grant": _r(ADMIN),
    "revoke": _r(ADMIN),
    "setup": _r(ADMIN, frozenset({ANY_CHANNEL})),
}

# Card buttons that are not a form's (a form's are in FORM_STARTS and FORM_PRESSES).
VERBS: dict[str, Rule] = {
    "help.more": _r(ANYONE, frozenset({PERSONAL, ANY_CHANNEL})),
    "help.less": _r(ANYONE, frozenset({PERSONAL, ANY_CHANNEL})),
    "status.details": _r(DETAIL_READERS),
    "cases.page": _r(ANYONE, BOTH),
    "overdue.page": _r(STAFF, BOTH),
    "deadlines.page": _r(STAFF, BOTH),
    "actions.page": _r(ANYONE, BOTH),
    "chronology.page": _r(IGT_READERS),
    "reminder.snooze": _r(ANYONE),  # the reminder's owner: the flow checks
    "scoping.begin": _r(ANYONE),  # a partner, or an agency invited on the case
    "scoping.invite": _r(BUSINESS_UNIT),
    "chair.recommend": _r(CHAIR, BOTH),
    "next.decide": _r(CHAIR, BOTH),
    "review.approve": _r(CHAIR, BOTH),
    "review.reject": _r(CHAIR, BOTH),
    "la.decide": _r(LA_DECIDERS),
    "notify.mark": _r(BUSINESS_UNIT),
    "panel.record": _r(BUSINESS_UNIT),
    "igt.begin": _r(ANYONE),  # the respondent asked on the case
    "igt.send": _r(BUSINESS_UNIT),
    "igt.none": _r(ANYONE),  # the respondent asked on the case
    "igt.read": _r(ANYONE),  # readers, or a respondent their own
    "delay.approve": _r(CHAIR),
    "delay.refuse": _r(CHAIR),
}

# The card refreshes (``trigger: automatic``): who gets the live card; anyone else who may see
# the case keeps the card as it was posted, and a person who may not see the case gets nothing.
REFRESHES: dict[str, Rule] = {
    "chair.prompt": _r(STAFF, CHANNEL_ONLY),
    "next.prompt": _r(STAFF, CHANNEL_ONLY),
    "review.prompt": _r(STAFF, CHANNEL_ONLY),
}

# Who may begin each form (its ``start_new`` button or its command). Presses on a form after
# that are the draft owner's own, in their 1:1 chat: the wizard checks the owner; the form's
# flow checks the role again on submit.
FORM_STARTS: dict[str, Rule] = {
    "referral": _r(ANYONE),
    "referral_for": _r(BUSINESS_UNIT),
    "addinfo": _r(ANYONE),  # per case: the flow checks
    "scoping": _r(ANYONE),  # per case: partners, or an agency invited
    "review_decision": _r(BUSINESS_UNIT),
    "igt": _r(ANYONE),  # per case: the respondent asked
    "action_add": _r(BUSINESS_UNIT),
    "action_update": _r(ANYONE),  # per case: the owner, or the Business Unit
    "commissioning": _r(BUSINESS_UNIT),
    "delay": _r(BUSINESS_UNIT),
    "comms_plan": _r(BUSINESS_UNIT),
}
FORM_PRESSES = _r(ANYONE)  # the draft's owner, 1:1: the wizard checks


def command_rule(name: str) -> Rule:
    return COMMANDS[name]


def verb_rule(verb: str, form_kinds: Iterable[str] = ()) -> Rule | None:
    """The row for ``verb``: its own, or (a form's button, ``kind.step``) the form's."""
    if verb in VERBS:
        return VERBS[verb]
    kind, _, step = verb.rpartition(".")
    if kind not in set(form_kinds):
        return None
    if kind in FORM_STARTS and step == "start_new":
        return FORM_STARTS[kind]
    # A form made outside FORMS (a test's) has no start row: 1:1, its owner's, like the rest.
    return FORM_PRESSES


def actor_roles(roles: Iterable[str]) -> str:
    """A person's roles as the audit log records them: every one, sorted, or "none"."""
    held = sorted({str(r) for r in roles})
    return ",".join(held) if held else "none"
