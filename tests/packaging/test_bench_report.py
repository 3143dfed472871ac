"""How `make bench` takes turns between servers and judges the targets (no load is sent)."""

from bench import bench


def cpu(value: float) -> dict:
    return {"qps": 1000, "cpu_us_per_query": value, "command": "dnsperf", "server_command": "x"}


def test_servers_take_turns_and_the_least_cpu_run_is_kept(monkeypatch):
    monkeypatch.setattr(bench, "TRIES", 3)
    order: list[str] = []
    figures = {"a": iter([9.0, 7.0, 8.0]), "b": iter([5.0, 6.0, None])}

    def run(name: str):
        def measure() -> dict:
            order.append(name)
            return cpu(next(figures[name]))
        return measure

    best = bench.alternated({"a": run("a"), "b": run("b")})

    assert order == ["a", "b", "a", "b", "a", "b"]
    assert best["a"]["cpu_us_per_query"] == 7.0
    assert best["b"]["cpu_us_per_query"] == 5.0  # a run that measured nothing never wins


def report(one_worker: float, two_workers: float) -> dict:
    resolver = {"hits": cpu(10.0), "misses": cpu(200.0),
                "latency": {"p99_us": 300, "median_us": 100}}
    return {
        "default_loop": "uvloop",
        "resolvers": {"part 4 (uvloop)": resolver, "part 4 (asyncio)": resolver,
                      "dnsmasq": {**resolver, "hits": cpu(9.0)}},
        "workers": {"rate": 20000, "busy_1": cpu(9.0), "busy_2": cpu(12.0),
                    "rate_1": cpu(one_worker), "rate_2": cpu(two_workers),
                    "same_total_2": cpu(25.0)},
    }


def workers_row(out: dict) -> str:
    (row,) = [line for line in bench.write_targets(out).splitlines()
              if line.startswith("| more cores")]
    return row


def test_two_workers_meet_the_target_within_ten_percent_at_the_same_load_per_worker():
    assert workers_row(report(20.0, 21.9)).endswith("| met |")
    assert "1.10x" in workers_row(report(20.0, 22.0))
    assert workers_row(report(20.0, 22.4)).endswith("| missed |")


def test_the_scaling_table_says_what_each_run_was_asked():
    table = "\n".join(bench.worker_table(report(20.0, 21.0)["workers"]))
    assert "| --workers 1, 20,000 a second | 1,000 | 20.0 |" in table
    assert "| --workers 2, 40,000 a second (20,000 each) | 1,000 | 21.0 |" in table
    assert "| --workers 2, 20,000 a second (10,000 each) | 1,000 | 25.0 |" in table
