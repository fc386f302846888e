"""Cron schedules: validate a 5-field expression (or @daily...) and say it in systemd terms.

One schedule in the site file feeds both the crontab line and the systemd timer,
so the two cannot drift. Every field is expanded to the exact set of values it
names; systemd gets that set back as a list, which it reads the way cron does.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyherd.errors import ConfigError

SHORTCUTS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# name, lowest, highest, names for values (index + offset)
FIELDS = (
    ("minute", 0, 59, (), 0),
    ("hour", 0, 23, (), 0),
    ("day of month", 1, 31, (), 0),
    ("month", 1, 12, MONTHS, 1),
    ("day of week", 0, 7, DAYS, 0),
)


class ScheduleError(ConfigError):
    pass


@dataclass(frozen=True)
class Schedule:
    text: str  # as written (cron accepts it as is)
    minutes: tuple[int, ...] | None  # None: every value (`*`)
    hours: tuple[int, ...] | None
    days: tuple[int, ...] | None
    months: tuple[int, ...] | None
    weekdays: tuple[int, ...] | None  # 0 = Sunday

    def on_calendar(self) -> str:
        """The systemd OnCalendar= value that fires at the same minutes cron would."""
        dow = ",".join(DAYS[d].title() for d in self.weekdays) + " " if self.weekdays else ""
        months = _list(self.months)
        days = _list(self.days)
        return f"{dow}*-{months}-{days} {_list(self.hours, 2)}:{_list(self.minutes, 2)}:00"


def _list(values: tuple[int, ...] | None, width: int = 1) -> str:
    return "*" if values is None else ",".join(f"{v:0{width}d}" for v in values)


def parse(text: str) -> Schedule:
    """The schedule `text` names; ScheduleError says what is wrong in cron's terms."""
    expanded = SHORTCUTS.get(text.strip().lower(), text)
    if text.strip().startswith("@") and expanded is text:
        raise ScheduleError(f"unknown shortcut {text.strip()!r} (use {', '.join(SHORTCUTS)})")
    parts = expanded.split()
    if len(parts) != 5:
        raise ScheduleError(
            f"{text!r} has {len(parts)} fields; cron needs 5: minute hour day-of-month month "
            "day-of-week (or @daily, @hourly, @weekly, @monthly)"
        )
    sets = [_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
    minutes, hours, days, months, weekdays = sets
    if days is not None and weekdays is not None:
        raise ScheduleError(
            f"{text!r} restricts both day of month and day of week; cron then runs on either, "
            "systemd only on both: give one of them as *"
        )
    if weekdays is not None:
        weekdays = tuple(sorted({d % 7 for d in weekdays}))
    return Schedule(text, minutes, hours, days, months, weekdays)


def _field(
    part: str, name: str, low: int, high: int, names: tuple[str, ...], offset: int
) -> tuple[int, ...] | None:
    """The values one field names, or None for `*` (every value)."""
    if part == "*":
        return None
    values: set[int] = set()
    for item in part.split(","):
        body, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not _digits(step_text) or int(step_text) < 1:
                raise ScheduleError(f"{name}: {item!r}: the step must be a whole number >= 1")
            step = int(step_text)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            start, end = (
                _value(a, name, low, high, names, offset),
                _value(b, name, low, high, names, offset),
            )
            if start > end:
                raise ScheduleError(f"{name}: {item!r}: the range runs backwards")
        else:
            start = _value(body, name, low, high, names, offset)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    every = set(range(low, high + 1))
    if name == "day of week":
        every = set(range(0, 7))
        values = {v % 7 for v in values}
    return None if values == every else tuple(sorted(values))


def _value(text: str, name: str, low: int, high: int, names: tuple[str, ...], offset: int) -> int:
    if text.lower() in names:
        return names.index(text.lower()) + offset
    if not _digits(text):
        hint = f" or a name ({', '.join(names[:3])}, ...)" if names else ""
        raise ScheduleError(f"{name}: {text!r} is not a number{hint}")
    value = int(text)
    if not low <= value <= high:
        raise ScheduleError(f"{name}: {value} is outside {low}-{high}")
    return value


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes '¹' and '٣', which cron does not read."""
    return text.isascii() and text.isdigit()
