"""Scenario 7, the API process's memory: sampled while scenario 1 runs, then under a soak of its
own, where growth past the first tenth of the samples (imports and caches warming) is a leak.
"""

import threading
from typing import Any

from bench import load, servers
from bench.load import Request


class MemoryWatch:
    """Samples the resident memory of a process every half second while a load runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append(servers.memory_mb(self.pid)[0])
            self._stop.wait(0.5)

    def __enter__(self) -> "MemoryWatch":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def soak(
    base: str, status: list[Request], pid: int, seconds: float, during_status: list[float]
) -> dict[str, Any]:
    """Load `status` for `seconds` and judge the process: its peak resident memory, and growth
    from warm-up to the end; `during_status` are the samples taken under scenario 1."""
    with MemoryWatch(pid) as watch:
        soaked = load.run(base, status, seconds=seconds)
    warm = watch.samples[max(1, len(watch.samples) // 10)] if len(watch.samples) > 1 else 0.0
    end = watch.samples[-1] if watch.samples else 0.0
    peak = servers.memory_mb(pid)[1]
    return {
        "scenario": "7. memory of the API process under scenario 1",
        "peak_rss_mb": round(peak, 1),
        "rss_during_scenario_1_mb": round(max(during_status, default=0.0), 1),
        "soak_seconds": seconds,
        "soak_requests_per_second": round(soaked.requests_per_second, 1),
        "soak_rss_after_warmup_mb": round(warm, 1),
        "soak_rss_at_end_mb": round(end, 1),
        "growth": round(end / warm - 1, 3) if warm else None,
        "target": "peak ≤ 200 MB, growth ≤ 10%",
        "holds": peak <= 200 and warm > 0 and end / warm - 1 <= 0.10,
    }
