"""Process and machine figures from /proc (psutil is not installed)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def status_kib(pid: int, field: str) -> Optional[int]:
    """A ``kB`` field of /proc/<pid>/status (VmHWM = peak RSS, VmRSS = current RSS)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def cpu_seconds(pid: int) -> Optional[float]:
    """User + system CPU time of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return None


def descendants(pid: int) -> List[int]:
    """Child processes (recursively) of ``pid``."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


@dataclass
class Memory:
    rss_kib: Optional[int]
    peak_kib: Optional[int]
    processes: int


def tree_memory(pid: int) -> Memory:
    """Current and peak RSS of a process and its descendants (peaks summed: an upper bound)."""
    pids = [pid] + descendants(pid)
    rss = [status_kib(p, "VmRSS") for p in pids]
    peak = [status_kib(p, "VmHWM") for p in pids]
    return Memory(
        rss_kib=sum(v for v in rss if v) or None,
        peak_kib=sum(v for v in peak if v) or None,
        processes=len(pids),
    )


def tree_cpu(pid: int) -> float:
    return sum(cpu_seconds(p) or 0.0 for p in [pid] + descendants(pid))


def machine_busy_seconds() -> Optional[float]:
    """CPU time all processes on the machine have used since boot (all cores, /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
        return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return None
