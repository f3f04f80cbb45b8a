"""The nurturing engine: pure functions of lead facts, signals, rules and a given ``now``. No I/O."""
