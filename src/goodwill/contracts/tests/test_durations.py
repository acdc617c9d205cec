import pytest

from goodwill.contracts.services import format_minutes, parse_minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        ("45 min", 45),
        ("45m", 45),
        ("4h", 240),
        ("4 h", 240),
        ("4 hours", 240),
        ("1.5 h", 90),
        ("1,5h", 90),
        ("1 h 30 min", 90),
        ("1h30m", 90),
        (" 40 h ", 2400),
    ],
)
def test_it_reads_minutes_or_hours(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "4 days", "1.25 min", "4h extra", "h"])
def test_it_rejects_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        parse_minutes(text)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(45, "45 min"), (60, "1 h"), (90, "1 h 30 min"), (2400, "40 h"), (None, "—")],
)
def test_it_formats_compactly(minutes, text):
    assert format_minutes(minutes) == text


@pytest.mark.parametrize("minutes", [1, 59, 60, 61, 240, 4800])
def test_what_it_formats_it_reads_back(minutes):
    assert parse_minutes(format_minutes(minutes)) == minutes
