"""Innovation Unit dashboard under load: 20 centers, 5,000 sessions, 200,000 attendance rows."""

import re

from bench.common import Row, manage, server, wrk


def run() -> list[Row]:
    output = manage("shell", "-c", "import bench.centers_data as d; d.main()")
    staff_cookie, facilitator_cookie = re.search(r"COOKIES (\S+) (\S+)", output).groups()
    q30, qyear, qfac30, qfac = (int(n) for n in re.search(r"QUERIES (\d+) (\d+) (\d+) (\d+)", output).groups())
    rows_line = re.search(r"ROWS (\d+) (\d+) (\d+)", output).groups()
    year = re.search(r"PERIOD (\S+)", output).group(1)

    rows = [Row("centers", "data: attendance / sessions / centers", " / ".join(rows_line))]
    # Same viewer, 30 days vs a year: the count must not grow with the data read. Staff pages run a
    # few more queries than a facilitator's (the admin menu in the header), whatever the period.
    constant = q30 == qyear and qfac30 == qfac
    rows.append(Row("centers", "dashboard queries, warm (staff 30 d / 1 y; facilitator 30 d / 1 y)",
                    f"{q30} / {qyear}; {qfac30} / {qfac}", "constant", constant))
    with server() as base:
        for label, query, cookie in (("30 days (default)", "", staff_cookie), ("whole year, 200k rows", year, staff_cookie),
                                     ("facilitator, 5 centers, year", year, facilitator_cookie)):
            url, headers = f"{base}/en/centers/dashboard/{query}", {"Cookie": f"sessionid={cookie}"}
            # Every gunicorn worker first loads templates, translations and URL patterns (seconds on a
            # busy machine): warm them all before measuring, or the first run's p95 is start-up time.
            wrk(url, connections=4, seconds=2, headers=headers)
            result = wrk(url, connections=2, seconds=8, headers=headers)
            rows.append(Row("centers", f"dashboard {label} p95", f"{result['p95']:.0f} ms ({result['rps']:.0f} rps)",
                            "< 200 ms", result["p95"] < 200 and result["errors"] == 0))
    return rows
