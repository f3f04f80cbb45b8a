"""Pacing rules, with time passed in."""

from __future__ import annotations

from bot.throttle import IN_FLIGHT_POLL, Pacer, SlidingWindows


def _send_at(windows: SlidingWindows, start: float, took: float = 0.0) -> None:
    assert windows.wait(start) == 0.0
    SlidingWindows.answered(windows.record(start), start + took)


def test_seven_a_second_then_wait_for_the_first_answer_to_leave_the_window() -> None:
    windows = SlidingWindows(((1.0, 7),), margin=0.0)
    for i in range(7):
        _send_at(windows, i * 0.01, took=0.05)
    # The first answer came at 0.05; the eighth may go once it is a full second old.
    assert abs(windows.wait(0.1) - 0.95) < 1e-9


def test_a_send_in_flight_counts_inside_every_window() -> None:
    windows = SlidingWindows(((1.0, 1),), margin=0.0)
    send = windows.record(0.0)
    assert windows.wait(5.0) == IN_FLIGHT_POLL, "an unanswered request may still arrive at any moment"
    SlidingWindows.answered(send, 5.0)
    assert windows.wait(5.5) == 0.5, "once answered, the window runs from the answer"


def test_rules_combine_and_429_blocks() -> None:
    windows = SlidingWindows(((1.0, 7), (2.0, 8)), margin=0.0)
    for i in range(8):
        t = 0.0 if i < 7 else 1.0
        _send_at(windows, t)
    assert abs(windows.wait(1.0) - 1.0) < 1e-9, "the 2-second rule holds the ninth until t=2"
    windows.block(until=10.0)
    assert windows.wait(3.0) == 7.0


def test_the_tenant_window_follows_the_configured_rate() -> None:
    pacer = Pacer(tenant_rate=48)
    tenant = pacer.tenant("t")
    for _ in range(48):
        _send_at(tenant, 0.0)
    assert tenant.wait(0.0) > 1.0, "the 49th send waits for the window, stretched by the margin"
    assert pacer.conversation("a") is pacer.conversation("a") and pacer.conversation(
        "a"
    ) is not pacer.conversation("b")
