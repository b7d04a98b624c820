"""Roster files (labs.classes): a class of 200 read and checked, and a 50,000-row file refused early."""

import time

from bench.common import Row, django_setup


def _best_ms(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def run() -> list[Row]:
    django_setup()
    from django.conf import settings

    from labs.classes.rosters import RosterRefused, read_roster

    header = "nickname,display name,age,gender,guardian phone\n"
    khmer = ["សុភា", "ដារា", "ស្រីនាង", "វណ្ណា", "សុខា"]
    class_file = (header + "".join(f"{khmer[n % 5]}{n},សុខ {n},{8 + n % 40},ស្រី,012 345 {n:03d}\n"
                                   for n in range(settings.SANGKAT_CLASS_IMPORT_MAX_ROWS))).encode("utf-8-sig")
    huge = (header + "".join(f"learner{n},,12,,\n" for n in range(50_000))).encode()

    def refuse_huge():
        try:
            read_roster(name="huge.csv", raw=huge)
        except RosterRefused:
            return
        raise AssertionError("a 50,000-row roster was accepted")

    settings.SANGKAT_CLASS_IMPORT_MAX_BYTES = len(huge) + 1  # measure the row bound, not the byte bound
    full = _best_ms(lambda: read_roster(name="class.csv", raw=class_file))
    refused = _best_ms(refuse_huge)
    return [
        Row("classes", f"roster of {settings.SANGKAT_CLASS_IMPORT_MAX_ROWS} read and checked (Khmer, phones)",
            f"{full:.0f} ms", "< 500 ms", full < 500),
        Row("classes", "50,000-row roster refused", f"{refused:.0f} ms", "< 500 ms", refused < 500),
    ]
