"""Deletes stored conversations older than the retention period (PRIV-04).

    python -m assistant.privacy.retention                 # once, days from clinic.yml
    python -m assistant.privacy.retention --days 7        # once, 7 days
    python -m assistant.privacy.retention --every 24      # every 24 hours, until stopped

Run it from cron or a systemd timer, or as the `--every` loop beside the server (see
docs/deploy.md). It uses the same database settings as the server (TRACKER_STORE_URL or
TRACKER_DB).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import List, Optional

from assistant.privacy.tracker_store import RedactingSQLTrackerStore
from assistant.settings import ClinicSettingsError, current_settings


def purge(days: int, store: Optional[RedactingSQLTrackerStore] = None) -> dict:
    store = store or RedactingSQLTrackerStore()
    return store.purge_older_than(days)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, help="keep this many days (default: clinic.yml)")
    parser.add_argument("--every", type=float, help="repeat every this many hours")
    args = parser.parse_args(argv)
    try:
        days = args.days if args.days is not None else current_settings().retention_days
    except ClinicSettingsError as error:
        print(f"Clinic settings error: {error}", file=sys.stderr)
        return 1
    if days < 1:
        print("error: --days must be at least 1", file=sys.stderr)
        return 1
    store = RedactingSQLTrackerStore()
    while True:
        result = purge(days, store)
        print(
            f"Deleted {result['conversations']} conversations ({result['events']} events) "
            f"older than {days} days.",
            flush=True,
        )
        if not args.every:
            return 0
        time.sleep(args.every * 3600)


if __name__ == "__main__":
    sys.exit(main())
