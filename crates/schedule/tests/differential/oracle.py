#!/usr/bin/env python3
"""Reference evaluator for the differential test of canopy-schedule.

Reads JSON from stdin: {"queries": [{"schedule": <Schedule as on the wire>, "instant": "<ISO 8601 with Z>"}]}
Writes JSON to stdout: {"answers": [{"stateName": str, "ruleIndex": int|null} | {"error": str}]}

It implements docs/schedules.md independently of the Rust crate, with python-dateutil's rrule for the
recurrences (expanded over naive wall-clock date-times) and zoneinfo for the zones. A schedule is evaluated as
owned by a top-level customer: CustomerState rules never match.
"""

import datetime as datetime_module
import json
import signal
import sys
from datetime import date, datetime, time, timedelta, timezone

try:
    from dateutil import rrule as du
except ImportError:  # pragma: no cover
    sys.stderr.write("python-dateutil is missing: pip install python-dateutil\n")
    sys.exit(3)
from zoneinfo import ZoneInfo

FREQS = {
    "Yearly": du.YEARLY,
    "Monthly": du.MONTHLY,
    "Weekly": du.WEEKLY,
    "Daily": du.DAILY,
    "Hourly": du.HOURLY,
    "Minutely": du.MINUTELY,
    "Secondly": du.SECONDLY,
}
WEEKDAYS = {
    "Monday": du.MO,
    "Tuesday": du.TU,
    "Wednesday": du.WE,
    "Thursday": du.TH,
    "Friday": du.FR,
    "Saturday": du.SA,
    "Sunday": du.SU,
}


class Timeout(Exception):
    pass


def on_alarm(_signum, _frame):
    raise Timeout()


def parse_date(text):
    return date.fromisoformat(text.strip()[:10])


def parse_time(text):
    parts = [int(p) for p in text.strip().split(":")]
    while len(parts) < 3:
        parts.append(0)
    return time(parts[0], parts[1], parts[2])


def blank(value):
    return value is None or str(value).strip() == ""


def window(rule):
    """(start time of day, window length)."""
    day = timedelta(hours=24)
    if rule.get("isAllDay"):
        return time(0, 0), day
    start = time(0, 0) if blank(rule.get("startTime")) else parse_time(rule["startTime"])
    start_delta = timedelta(hours=start.hour, minutes=start.minute, seconds=start.second)
    if blank(rule.get("endTime")):
        return start, day - start_delta
    end = parse_time(rule["endTime"])
    end_delta = timedelta(hours=end.hour, minutes=end.minute, seconds=end.second)
    if end > start:
        return start, end_delta - start_delta
    return start, day - (start_delta - end_delta)


def time_rule_matches(rule, local):
    start_time, length = window(rule)
    dtstart = datetime.combine(parse_date(rule["startDate"]), start_time)
    freq = rule.get("frequency", "None")
    if freq == "None":
        return dtstart <= local < dtstart + length
    kwargs = {"dtstart": dtstart, "interval": max(1, rule.get("interval", 0)), "cache": False}
    if rule.get("count", 0) > 0:
        kwargs["count"] = rule["count"]
    if not blank(rule.get("untilDate")):
        kwargs["until"] = datetime.combine(parse_date(rule["untilDate"]), time(23, 59, 59))
    for field, name in [
        ("bySetPosition", "bysetpos"),
        ("byMonth", "bymonth"),
        ("byWeekNo", "byweekno"),
        ("byYearDay", "byyearday"),
        ("byMonthDay", "bymonthday"),
        ("byHour", "byhour"),
        ("byMinute", "byminute"),
    ]:
        if rule.get(field):
            kwargs[name] = rule[field]
    if rule.get("byDay"):
        days = []
        for d in rule["byDay"]:
            wd = WEEKDAYS[d.get("dayOfWeek", "Sunday")]
            n = d.get("offset", 0)
            days.append(wd(n) if n else wd)
        kwargs["byweekday"] = days
    # dateutil walks a rule that never occurs again up to datetime.MAXYEAR; only occurrences up to `local`
    # matter here, so its walk is cut a year later (dateutil reads the module attribute at run time).
    datetime_module.MAXYEAR = local.year + 1
    try:
        recurrence = du.rrule(FREQS[freq], **kwargs)
    except ValueError:
        # dateutil refuses BY values that can never be reached: the rule never occurs.
        return False
    last = recurrence.before(local, inc=True)
    return last is not None and local < last + length


def evaluate(schedule, instant):
    zone_id = (schedule.get("timeZoneId") or "").strip() or "UTC"
    zone = ZoneInfo(zone_id)
    local = instant.astimezone(zone).replace(tzinfo=None)
    if schedule.get("forceClosed"):
        return {"stateName": "Closed", "ruleIndex": None}
    rules = schedule.get("rules") or []
    order = sorted(range(len(rules)), key=lambda i: rules[i].get("priority", 0))
    for i in order:
        rule = rules[i]
        if not blank(rule.get("condition")):
            continue
        kind = rule.get("simpleRuleType", "Always")
        if kind == "Always":
            hit = True
        elif kind == "CustomerState":
            hit = False
        else:
            hit = time_rule_matches(rule, local)
        if hit:
            return {"stateName": rule.get("state") or "", "ruleIndex": i}
    return {"stateName": schedule.get("defaultState") or "", "ruleIndex": None}


def main():
    request = json.load(sys.stdin)
    signal.signal(signal.SIGALRM, on_alarm)
    answers = []
    for query in request["queries"]:
        instant = datetime.fromisoformat(query["instant"].replace("Z", "+00:00")).astimezone(timezone.utc)
        signal.alarm(5)
        try:
            answers.append(evaluate(query["schedule"], instant))
        except Timeout:
            answers.append({"error": "timeout"})
        except Exception as error:  # noqa: BLE001 - reported to the Rust side
            import traceback

            answers.append({"error": repr(error), "trace": traceback.format_exc(), "query": query})
        finally:
            signal.alarm(0)
    json.dump({"answers": answers}, sys.stdout)


if __name__ == "__main__":
    main()
