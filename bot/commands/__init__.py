"""The command and card-action registries, and the modules that fill them.

Each command family is one module; importing it registers its commands and actions.
"""

from bot.actions import ActionRegistry
from bot.commands.registry import CommandRegistry

COMMANDS = CommandRegistry()
ACTIONS = ActionRegistry()

from bot.commands import actions as _actions  # noqa: E402,F401  (registers)
from bot.commands import cases as _cases  # noqa: E402,F401  (registers)
from bot.commands import decisions as _decisions  # noqa: E402,F401  (registers)
from bot.commands import help as _help  # noqa: E402,F401  (registers)
from bot.commands import igt as _igt  # noqa: E402,F401  (registers)
from bot.commands import publication as _publication  # noqa: E402,F401  (registers)
from bot.commands import referral as _referral  # noqa: E402,F401  (registers)
from bot.commands import status as _status  # noqa: E402,F401  (registers)
