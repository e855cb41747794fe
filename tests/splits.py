"""Drawing a split of numbered parts (Discord shards, Slack partitions) among processes, for the
property tests of the rules that route work to one process."""

from __future__ import annotations

from hypothesis import strategies as st


def split_among_processes(data: st.DataObject, count: int) -> list[list[int]]:
    """Parts 0..count-1 dealt to 1..count processes: each part to one, each process at least one."""
    processes = data.draw(st.integers(min_value=1, max_value=count), label="processes")
    owner = list(range(processes)) + data.draw(
        st.lists(
            st.integers(min_value=0, max_value=processes - 1),
            min_size=count - processes,
            max_size=count - processes,
        ),
        label="owners of the other parts",
    )
    order = data.draw(st.permutations(range(count)), label="parts")
    return [[part for part, who in zip(order, owner, strict=True) if who == p] for p in range(processes)]
