"""
A smoke test of the search benchmark (bench/search.py) on SQLite, small: the
data is built, indexed and searched through the real view, and the report has
its figures.

    .venv/bin/pytest bench/tests
"""

import json

from bench import search


def test_search_benchmark_builds_indexes_and_measures(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "RESULTS", tmp_path)
    size = search.Size(messages=3_000, rooms=20, member_rooms=5, users=20, queries=20)
    document = search.run(["sqlite"], size)
    result = document["results"]["sqlite"]
    assert result["indexed_messages"] > 2_800  # all but the deleted 2 %
    assert result["warm"]["all"]["n"] == 20 and result["warm"]["all"]["p99"] > 0
    assert any(query["results"] for query in result["queries"])  # common words are found
    assert json.loads(next(tmp_path.glob("search-*.json")).read_text())["size"]["messages"] == 3_000
