"""The peak resident memory of every process of a cluster, and of each of its descendants,
sampled every half second while a benchmark runs (bench/release_burst.py)."""

from __future__ import annotations

import threading

import psutil

from services.distributed import Cluster


class _RssSampler(threading.Thread):
    def __init__(self, cluster: Cluster) -> None:
        super().__init__(daemon=True)
        self.cluster = cluster
        self.peaks: dict[str, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            # One look at the process table per sample for every process's descendants
            # (`children(recursive=True)` reads the whole table each time: on a busy machine
            # ~1 ms per cluster process, CPU taken from the cores the cluster is measured on).
            # psutil's own map of the table, which `children` reads (its public iterator
            # builds a Process per entry: four times the CPU).
            children: dict[int, list[int]] = {}
            for pid, ppid in psutil._ppid_map().items():
                children.setdefault(ppid, []).append(pid)
            for name, process in self.cluster.processes.items():
                for index, pid in enumerate(_descendants(process.pid, children)):
                    key = name if index == 0 else f"{name}[{index}]"
                    try:
                        rss = psutil.Process(pid).memory_info().rss
                    except psutil.Error:
                        continue
                    self.peaks[key] = max(self.peaks.get(key, 0), rss)
            self._halt.wait(0.5)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _descendants(pid: int, children: dict[int, list[int]]) -> list[int]:
    """`pid`, then its descendants, level by level, each level by pid."""
    found, level = [pid], [pid]
    while level:
        level = [child for parent in level for child in sorted(children.get(parent, []))]
        found.extend(level)
    return found
