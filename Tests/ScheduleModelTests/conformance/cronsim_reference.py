#!/usr/bin/env python3
"""Reference corpus for the cron conformance test (CronConformanceTests.swift).

Generates a deterministic set of (expression, zone, T) cases, asks cronsim (an
independent Python implementation of Debian-cron semantics) for the first occurrence
strictly after T, and prints one tab-separated line per case:

    expression <TAB> zone <TAB> T (epoch ms) <TAB> expected (epoch ms, or "none")

Cases where Kairos deliberately differs from cronsim are left out by the rules below
(documented in docs/time-semantics.md, "Conformance"):

  R1  In a zone with DST, cases where the UTC offset changes between one day before T and
      cronsim's answer are left out when cronsim and Kairos read the expression in
      different modes. cronsim works in real time (follows elapsed time) for 6-field
      expressions and 5-field ones whose minute or hour starts with '*'; Kairos does for
      expressions with '*' or a step in the hour field (interval-like), and treats the
      others as wall-clock appointments (a gap fires once at its end, a repeated time
      once). So `*/15 2 * * *` and `0 30 2 * * *` (real time in cronsim, appointments in
      Kairos) and `0 1/2 * * *` (the reverse) differ; `*/15 * * * *` and `0 * * * *`
      do not. In Australia/Lord_Howe such cases are left out in both modes: there
      cronsim's field resets in real time can land on a reading the 30-minute gap removed
      and shift its answer by the jump (`* */10 * 10/2 7` after 2027-10-02T14:52Z: cronsim
      23:30Z, but 10:00 at +11 is 23:00Z).
  R2  In a zone with DST, cases whose T falls in the second pass of a repeated hour are
      left out for wall-clock appointments: cronsim then answers an instant at or before
      T; Kairos answers the first reading after the repeated hour that has not fired yet.
  R3  Cases where cronsim gives up (no match within its 50-year horizon) are left out;
      Kairos searches 400 years.
  R4  Degenerate stepped ranges `a-a/s` are never generated: cronsim reads them as `a/s`
      (a to the field's maximum), Kairos as the single value a.

Run by hand: python3 cronsim_reference.py [count]
"""
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone

try:
    import cronsim
except ImportError:  # The test script installs it; try once more for a bare checkout.
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "cronsim==2.8"], check=False)
    try:
        import cronsim
    except ImportError:
        sys.stderr.write("cronsim is not installed: run `python3 -m pip install cronsim==2.8`\n")
        sys.exit(3)
from zoneinfo import ZoneInfo

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Australia/Sydney",
         "America/Santiago", "Asia/Kolkata"]
DST_ZONES = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Australia/Sydney", "America/Santiago"}

TYPICAL = [
    "* * * * *", "*/5 * * * *", "*/15 * * * *", "0 * * * *", "30 * * * *", "0 0 * * *", "30 2 * * *",
    "0 2 * * *", "15 2 * * *", "45 1 * * *", "0 1 * * *", "0 3 * * *", "30 0 * * *", "0 9 * * MON-FRI",
    "0 9-17 * * 1-5", "0 0 1 * *", "0 0 1 1 *", "0 0 29 2 *", "0 0 L * *", "0 0 LW * *", "0 12 * * 5L",
    "0 0 * * MON#2", "0 0 * * 5#3", "0 0 * 2 MON#5", "0 0 13 * FRI", "10-50/5 * * * *", "5/10 * * * *",
    "0 0 1,15 * *", "0 6 * * SUN", "0 6 * * 7", "0 6 * * 0", "0 0 * JAN,JUL *", "0 0 31 * *",
    "0 0 30 1,3,5 *", "0 4 8-14 * *", "0 22 * * 1-5", "23 0-20/2 * * *", "5 4 * * sun", "0 0,12 1 */2 *",
    "0 0 */10 * FRI", "0 12 L * MON", "0 0 1-7 * MON", "30 23 L * *", "0 */2 * * *", "0 0 * * 6,0",
    "0 30 2 * * *", "*/20 * * * * *", "0 0 3 * * *", "15 45 1 * * *", "0 0 12 L * *", "30 */15 * * * *",
]

MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAYS = "SUN MON TUE WED THU FRI SAT".split()


def plain(rng, lo, hi, names=None):
    def val(v):
        if names and rng.random() < 0.3:
            return names[v - (1 if names is MONTHS else 0)] if v < lo + len(names) else str(v)
        return str(v)
    kind = rng.random()
    if kind < 0.25:
        return "*"
    if kind < 0.40:
        return "*/%d" % rng.randint(2, max(2, (hi - lo) // 2))
    if kind < 0.60:
        return val(rng.randint(lo, hi))
    if kind < 0.75:
        a = rng.randint(lo, hi - 1)
        b = rng.randint(a + 1, hi)  # R4: never a-a/step, which cronsim reads as a/step
        step = "/%d" % rng.randint(1, 5) if rng.random() < 0.3 else ""
        return "%s-%s%s" % (val(a), val(b), step)
    if kind < 0.85:
        return "%d/%d" % (rng.randint(lo, hi), rng.randint(1, max(1, (hi - lo) // 2)))
    items = sorted(rng.sample(range(lo, hi + 1), rng.randint(2, 4)))
    return ",".join(val(v) for v in items)


def dom(rng):
    r = rng.random()
    if r < 0.08:
        return "L"
    if r < 0.12:
        return "LW"
    if r < 0.16:
        return "%d,L" % rng.randint(1, 15)
    return plain(rng, 1, 31)


def dow(rng):
    r = rng.random()
    if r < 0.08:
        return "%dL" % rng.randint(0, 6)
    if r < 0.16:
        day = rng.randint(0, 6)
        return "%s#%d" % (DAYS[day] if rng.random() < 0.5 else str(day), rng.randint(1, 5))
    return plain(rng, 0, 7, DAYS if rng.random() < 0.5 else None)


def random_expression(rng):
    fields = [plain(rng, 0, 59), plain(rng, 0, 23), dom(rng), plain(rng, 1, 12, MONTHS), dow(rng)]
    if rng.random() < 0.2:
        fields.insert(0, plain(rng, 0, 59))
    return " ".join(fields)


def transitions(zone, start_year, end_year):
    tz = ZoneInfo(zone)
    t = datetime(start_year, 1, 1, tzinfo=timezone.utc)
    end = datetime(end_year, 1, 1, tzinfo=timezone.utc)
    previous = t.astimezone(tz).utcoffset()
    found = []
    while t < end:
        t += timedelta(hours=1)
        offset = t.astimezone(tz).utcoffset()
        if offset != previous:
            found.append(t)
            previous = offset
    return found


def cronsim_real_time(expr):
    parts = expr.split()
    return not (len(parts) == 5 and not parts[0].startswith("*") and not parts[1].startswith("*"))


def kairos_elapsed_time(expr):
    parts = expr.split()
    hour = parts[2] if len(parts) >= 6 else parts[1]
    return hour.startswith("*") or "/" in hour


def offset_changes(tz, start, end):
    first = start.astimezone(tz).utcoffset()
    t = start
    while t < end:
        if t.astimezone(tz).utcoffset() != first:
            return True
        t += timedelta(hours=6)
    return end.astimezone(tz).utcoffset() != first


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rng = random.Random(20260329)
    near = {z: transitions(z, 2025, 2029) for z in DST_ZONES}
    start = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()
    end = datetime(2031, 1, 1, tzinfo=timezone.utc).timestamp()
    emitted = 0
    excluded = {"R1": 0, "R2": 0, "R3": 0}
    attempts = 0
    while emitted < count and attempts < count * 20:
        attempts += 1
        expr = TYPICAL[attempts % len(TYPICAL)] if attempts % 3 == 0 else random_expression(rng)
        zone = ZONES[rng.randrange(len(ZONES))]
        tz = ZoneInfo(zone)
        if zone in DST_ZONES and rng.random() < 0.6:
            center = rng.choice(near[zone]).timestamp()
            t_ms = int((center + rng.randint(-3 * 3600, 3 * 3600)) * 1000)
        else:
            t_ms = int(rng.uniform(start, end) * 1000)
        if rng.random() < 0.5:
            t_ms -= t_ms % 1000
        if rng.random() < 0.2:
            t_ms -= t_ms % 60000
        t = datetime.fromtimestamp(t_ms / 1000, tz=tz)
        try:
            it = cronsim.CronSim(expr, t)
        except cronsim.CronSimError:
            continue
        try:
            result = next(it)
        except StopIteration:
            excluded["R3"] += 1
            continue
        expected_ms = int(result.timestamp()) * 1000
        if zone in DST_ZONES:
            elapsed = kairos_elapsed_time(expr)
            second_pass = t.fold == 1 and t.astimezone(timezone.utc) != t.replace(fold=0).astimezone(timezone.utc)
            if second_pass and not elapsed:
                excluded["R2"] += 1
                continue
            modes_differ = elapsed != cronsim_real_time(expr) or zone == "Australia/Lord_Howe"
            if modes_differ and offset_changes(tz, t - timedelta(days=1), result):
                excluded["R1"] += 1
                continue
        print("%s\t%s\t%d\t%d" % (expr, zone, t_ms, expected_ms))
        emitted += 1
    sys.stderr.write("emitted %d cases, excluded %s\n" % (emitted, excluded))


if __name__ == "__main__":
    main()
