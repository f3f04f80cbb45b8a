"""Use cases: domain logic applied to the database. No transport (aiohttp, botbuilder) is imported here."""
