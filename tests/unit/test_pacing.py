from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.platforms.pacing import SlidingWindow, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_a_burst_is_free_then_requests_are_spaced_at_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=50, burst=5, now=clock)
    waits = [bucket.delay() for _ in range(8)]
    assert waits[:5] == [0, 0, 0, 0, 0]
    assert waits[5:] == [0.02, 0.04, 0.06]


@given(arrivals=st.lists(st.floats(0, 0.5), min_size=1, max_size=200), rate=st.sampled_from([1.0, 5.0, 45.0]))
def test_no_window_ever_exceeds_burst_plus_rate_times_its_length(arrivals: list[float], rate: float) -> None:
    clock = Clock()
    bucket = TokenBucket(rate=rate, burst=3, now=clock)
    sent: list[float] = []
    for gap in arrivals:
        clock.t += gap
        sent.append(clock.t + bucket.delay())  # when the request actually goes out
    sent.sort()
    for i, start in enumerate(sent):
        for j in range(i, len(sent)):
            length = sent[j] - start
            assert j - i + 1 <= 3 + rate * length + 1e-6


async def test_a_sliding_window_waits_on_the_clock_it_is_given() -> None:
    """One start a minute (a distributed Slack app's read-back): each waits out the minute on the
    injected clock, so a test moves time instead of sleeping it."""
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    window = SlidingWindow(1, 61.0, lambda: now[0], sleep)
    starts = []
    for _ in range(3):
        await window.acquire()
        starts.append(now[0])
    assert starts == [0.0, 61.0, 122.0] and waits == [61.0, 61.0]
