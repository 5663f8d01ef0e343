"""The load benchmark's code path, short: a few MCP clients over streamable HTTP, a catalog swap midway, no errors.

`python -m benchmarks.load` runs 50 clients for 60 s on demand and writes docs/reliability.md's
load section; this runs the same `run_load` with 5 clients for 3 s against a real server
process and a real catalog stand-in on 127.0.0.1. It asserts no failed request, that the swap
happened under load and the changed catalog is what the server serves afterwards, and that the
report lands between its markers. No timing is asserted, and nothing is recorded for the
report: the load section holds the full run's figures only.
"""

from benchmarks.load import (
    AFTER_ETAG,
    BEFORE_ETAG,
    MIX,
    REPRICED,
    SWAP_OPERATION,
    rows,
    run_load,
    write_report,
)


def test_a_short_load_with_a_catalog_swap_serves_every_request_and_the_new_catalog(tmp_path):
    result = run_load(clients=5, seconds=3)

    assert result.stats.samples == [] and result.errors == 0
    served = {name: len(xs) for name, xs in result.stats.latencies.items()}
    assert all(served.get(op.name, 0) > 0 for op in MIX), served
    assert served[SWAP_OPERATION] == 1

    change = result.swap.result["change"]
    assert result.swap.result["outcome"] == "updated"
    assert change["removed"] and all(
        ref.startswith(f"{result.catalogs.dropped}/") for ref in change["removed"]
    )
    assert [p["model"] for p in change["price_changes"]] == ["/".join(REPRICED)]
    assert result.visible_after == {
        "price": result.catalogs.price_after,
        "etag": AFTER_ETAG,
        "dropped_gone": True,
    }
    assert result.upstream_fetches == [BEFORE_ETAG, AFTER_ETAG]  # the first fetch and the swap, nothing else
    assert result.ok and result.rss_before > 0 and result.rss_after > 0

    table = rows(result)
    assert (
        table[-1]["operation"] == "all"
        and table[-1]["requests"] == result.requests
        and table[-1]["errors"] == 0
    )

    # The report goes between the markers (table and the line describing the run); a rerun replaces it.
    doc = tmp_path / "reliability.md"
    doc.write_text(
        "# Doc\n\n## 6. Load\n\nProse stays.\n\n<!-- load:start -->\nold table\n<!-- load:end -->\n\nAfter.\n"
    )
    write_report(result, "python -m benchmarks.load --clients 5 --seconds 3", doc)
    write_report(result, "python -m benchmarks.load --clients 5 --seconds 3", doc)
    text = doc.read_text()
    inside = text.split("<!-- load:start -->\n")[1].split("<!-- load:end -->")[0]
    assert text.startswith("# Doc\n\n## 6. Load\n\nProse stays.\n\n") and text.endswith(
        "<!-- load:end -->\n\nAfter.\n"
    )
    assert inside.count("Written by `python -m benchmarks.load --clients 5 --seconds 3`") == 1
    assert (
        "old table" not in inside and "| all | " in inside and "| operation | requests | errors |" in inside
    )
