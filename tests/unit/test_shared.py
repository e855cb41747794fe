"""One computation shared by whoever asks while it runs, reused while fresh, on an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.ops.shared import Shared


class Computation:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls = 0
        self.fail = False

    async def __call__(self) -> int:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise OSError("disk gone")
        return self.calls


async def test_callers_that_ask_together_share_one_run_and_its_result_while_fresh() -> None:
    now = [0.0]
    compute = Computation()
    shared = Shared(compute, fresh_for=1.0, clock=lambda: now[0])
    asking = [asyncio.ensure_future(shared()) for _ in range(50)]
    await asyncio.sleep(0)
    compute.release.set()
    assert await asyncio.gather(*asking) == [1] * 50
    now[0] += 0.999
    assert await shared() == 1  # still fresh
    now[0] += 0.001
    assert await shared() == 2  # a new run once it is a second old
    assert compute.calls == 2


async def test_a_failure_is_not_kept_and_a_caller_giving_up_does_not_cancel_the_others() -> None:
    compute = Computation()
    shared = Shared(compute, fresh_for=60.0)
    compute.fail = True
    compute.release.set()
    with pytest.raises(OSError, match="disk gone"):
        await shared()
    compute.fail = False
    compute.release.clear()
    impatient, patient = asyncio.ensure_future(shared()), asyncio.ensure_future(shared())
    await asyncio.sleep(0)
    impatient.cancel()  # its client hung up
    compute.release.set()
    assert await patient == 2
    assert impatient.cancelled()
