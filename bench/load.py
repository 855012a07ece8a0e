"""Load with wrk (Debian's package; `hey` as a fallback): one run, its requests/s, p50 and p99.

A run is described by a list of requests (method, path, headers, body). wrk gets them as a Lua
table: random picks for reads (`random=True`), each used once, in order, for pushes that must be
distinct. hey sends one request over and over, so with hey a scenario uses the first request only.
"""

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MISSING = (
    "Neither wrk nor hey is installed: the benchmark loads the servers with wrk.\n"
    "    apt-get install wrk        (Debian/Ubuntu; `hey` also works, with fewer scenarios)"
)


@dataclass
class Request:
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Outcome:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors and statuses other than the expected one
    statuses: dict[str, int] = field(default_factory=dict)


def tool() -> str:
    """`wrk` or `hey`, whichever is installed (wrk preferred); a clear message otherwise."""
    for name in ("wrk", "hey"):
        if shutil.which(name):
            return name
    raise SystemExit(MISSING)


def _lua_string(value: str | bytes) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return (
        '"'
        + "".join(
            f"\\{byte:03d}" if not 32 <= byte < 127 or byte in b'"\\' else chr(byte) for byte in raw
        )
        + '"'
    )


_SCRIPT = """
local requests = {%s}
local random_pick = %s
local expected = %d
local counter = 0
statuses = {}
local thread_count = 0
local threads = {}

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tid)
  counter = tid
  statuses = {}
end

function request()
  local r
  if random_pick then
    r = requests[math.random(#requests)]
  else
    r = requests[(counter %% #requests) + 1]
    counter = counter + %d
  end
  return wrk.format(r[1], r[2], r[3], r[4])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests_made)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do counts[tostring(code)] = (counts[tostring(code)] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%%s": %%d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, '
    .. '"socket_errors": %%d, "statuses": {%%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"""


def _script(requests: list[Request], random: bool, expected: int, threads: int) -> str:
    rows = []
    for r in requests:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items())
        body = _lua_string(r.body) if r.body else "nil"
        rows.append(f"{{{_lua_string(r.method)}, {_lua_string(r.path)}, {{{headers}}}, {body}}}")
    return _SCRIPT % (",\n".join(rows), "true" if random else "false", expected, threads)


def run(
    base: str,
    requests: list[Request],
    *,
    seconds: float,
    connections: int = 32,
    threads: int = 2,
    random: bool = True,
    expected: int = 200,
) -> Outcome:
    """Load `base` with `requests` for `seconds` over `connections`; what it achieved."""
    if tool() == "hey":
        return _hey(base, requests[0], seconds, connections, expected)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_script(requests, random, expected, threads))
    try:
        finished = subprocess.run(
            [
                "wrk",
                f"--threads={threads}",
                f"--connections={connections}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=10s",
                f"--script={script.name}",
                base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        Path(script.name).unlink()
    if finished.returncode != 0 or "BENCH_JSON " not in finished.stdout:
        raise SystemExit(f"wrk failed: {finished.stdout[-2000:]} {finished.stderr[-2000:]}")
    line = next(x for x in finished.stdout.splitlines() if x.startswith("BENCH_JSON "))
    found = json.loads(line.removeprefix("BENCH_JSON "))
    statuses = {str(k): int(v) for k, v in found["statuses"].items()}
    good = statuses.get(str(expected), 0)
    return Outcome(
        requests_per_second=good / (found["duration_us"] / 1e6),
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        requests=found["requests"],
        errors=found["socket_errors"] + found["requests"] - good,
        statuses=statuses,
    )


def _hey(base: str, request: Request, seconds: float, connections: int, expected: int) -> Outcome:
    command = [
        "hey",
        "-z",
        f"{max(1, round(seconds))}s",
        "-c",
        str(connections),
        "-m",
        request.method,
    ]
    for name, value in request.headers.items():
        command += ["-H", f"{name}: {value}"]
    if request.body:
        command += ["-d", request.body.decode()]
    finished = subprocess.run(
        [*command, base + request.path],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    out = finished.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(p: int) -> float:
        found = re.search(rf"{p}%% in ([\d.]+) secs".replace("%%", "%"), out)
        return float(found.group(1)) * 1000 if found else float("nan")

    statuses = {code: int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    total = sum(statuses.values())
    good = statuses.get(str(expected), 0)
    return Outcome(
        rate * good / total if total else 0.0,
        percentile(50),
        percentile(99),
        total,
        total - good,
        statuses,
    )
