"""Innovation Unit dashboard under load: 20 centers, 5,000 sessions, 200,000 attendance rows."""

import re

from bench.common import Row, manage, server, wrk


def run() -> list[Row]:
    output = manage("shell", "-c", "import bench.centers_data as d; d.main()")
    staff_cookie, facilitator_cookie = re.search(r"COOKIES (\S+) (\S+)", output).groups()
    q30, qyear, qfac = (int(n) for n in re.search(r"QUERIES (\d+) (\d+) (\d+)", output).groups())
    rows_line = re.search(r"ROWS (\d+) (\d+) (\d+)", output).groups()
    year = re.search(r"PERIOD (\S+)", output).group(1)

    rows = [Row("centers", "data: attendance / sessions / centers", " / ".join(rows_line))]
    constant = q30 == qyear == qfac
    rows.append(Row("centers", "dashboard queries (staff 30 d, staff 1 y, facilitator 1 y)",
                    f"{q30} / {qyear} / {qfac}", "constant", constant))
    with server() as base:
        for label, query, cookie in (("30 days (default)", "", staff_cookie), ("whole year, 200k rows", year, staff_cookie),
                                     ("facilitator, 5 centers, year", year, facilitator_cookie)):
            result = wrk(f"{base}/en/centers/dashboard/{query}", connections=2, seconds=8,
                         headers={"Cookie": f"sessionid={cookie}"})
            rows.append(Row("centers", f"dashboard {label} p95", f"{result['p95']:.0f} ms ({result['rps']:.0f} rps)",
                            "< 200 ms", result["p95"] < 200 and result["errors"] == 0))
    return rows
