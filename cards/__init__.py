"""Adaptive Cards (schema 1.5, English and German) built from plain data; no I/O, no clock."""

from cards.digest import digest_card
from cards.elements import CardTooLarge
from cards.error import error_card
from cards.follow_up import follow_up_card
from cards.follow_up_list import follow_up_list_card
from cards.hand_off import hand_off_card
from cards.lead import lead_card, lead_matches_card
from cards.onboarding import help_card, welcome_card
from cards.ownership import ownership_card, ownership_fyi_card
from cards.pipeline import pipeline_card, pipeline_roles_only_card
from cards.routing import unrouted_card
from cards.speed_to_lead import sla_card

__all__ = [
    "CardTooLarge",
    "digest_card",
    "error_card",
    "follow_up_card",
    "follow_up_list_card",
    "hand_off_card",
    "help_card",
    "lead_card",
    "lead_matches_card",
    "ownership_card",
    "ownership_fyi_card",
    "pipeline_card",
    "pipeline_roles_only_card",
    "sla_card",
    "unrouted_card",
    "welcome_card",
]
