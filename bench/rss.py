"""The peak resident memory of every process of a cluster, and of each of its descendants,
sampled every half second while a benchmark runs (bench/release_burst.py)."""

from __future__ import annotations

import threading
import time

import psutil

from services.distributed import Cluster

# How often the sampler looks for the cluster's processes again (gunicorn's workers, forked once
# the cluster starts, and any worker a master starts anew).
TREE_SECONDS = 5.0


class _RssSampler(threading.Thread):
    def __init__(self, cluster: Cluster) -> None:
        super().__init__(daemon=True)
        self.cluster = cluster
        self.peaks: dict[str, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        watched: list[tuple[str, psutil.Process]] = []
        looked = float("-inf")
        while not self._halt.is_set():
            # The process table is read again every TREE_SECONDS, or as soon as a watched process
            # is gone: between, each sample reads only the watched processes' memory (a look at
            # the whole table costs ~1 ms per cluster process on a busy machine, CPU taken from
            # the cores the cluster is measured on).
            if time.monotonic() - looked >= TREE_SECONDS:
                watched, looked = self._processes(), time.monotonic()
            for key, process in watched:
                try:
                    rss = process.memory_info().rss
                except psutil.Error:
                    looked = float("-inf")
                    continue
                self.peaks[key] = max(self.peaks.get(key, 0), rss)
            self._halt.wait(0.5)

    def _processes(self) -> list[tuple[str, psutil.Process]]:
        """Every cluster process and its descendants, named as `peaks` names them: psutil's own
        map of the table, which `children` reads (its public iterator builds a Process per
        entry: four times the CPU)."""
        children: dict[int, list[int]] = {}
        for pid, ppid in psutil._ppid_map().items():
            children.setdefault(ppid, []).append(pid)
        found = []
        for name, process in self.cluster.processes.items():
            for index, pid in enumerate(_descendants(process.pid, children)):
                try:
                    found.append((name if index == 0 else f"{name}[{index}]", psutil.Process(pid)))
                except psutil.Error:
                    continue
        return found

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
