"""The cache on disk: corrupt files fall back to the snapshot, the next good fetch heals, writes never tear."""

import os
import subprocess
import sys
import textwrap

import orjson
import pytest

from models_registry.registry import RefreshOutcome, Registry
from models_registry.settings import Settings
from models_registry.sources import CatalogCache, load_initial, load_snapshot

from .conftest import MINI_CATALOG

pytestmark = pytest.mark.anyio


async def filled_cache(upstream, tmp_path) -> CatalogCache:
    await Registry(Settings(url=upstream.url, cache_dir=tmp_path / "cache"), env={}).refresh()
    return CatalogCache(tmp_path / "cache")


def break_file(path, how: str) -> None:
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(os.urandom(4096))
    elif how == "directory":
        path.unlink()
        path.mkdir()
    elif how == "missing":
        path.unlink()


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage", "directory"])
@pytest.mark.parametrize("which", ["catalog_path", "meta_path"])
async def test_corrupt_cache_serves_the_snapshot_and_the_next_fetch_heals(upstream, tmp_path, how, which):
    cache = await filled_cache(upstream, tmp_path)
    break_file(getattr(cache, which), how)
    if how == "directory":  # the writer must be able to replace it again
        getattr(cache, which).rmdir()
        getattr(cache, which).mkdir()
    registry = Registry(Settings(url=upstream.url, cache_dir=tmp_path / "cache"), env={})
    status = registry.status()
    assert status.source == "snapshot"
    assert status.problems and "cache" in status.problems[0]
    if how == "directory":
        getattr(cache, which).rmdir()
    result = await registry.refresh()
    assert result.outcome == RefreshOutcome.UPDATED
    assert cache.load().catalog.model_count == 39


async def test_a_directory_where_the_cache_file_belongs_does_not_crash_a_refresh(upstream, tmp_path):
    cache = await filled_cache(upstream, tmp_path)
    cache.catalog_path.unlink()
    cache.catalog_path.mkdir()
    registry = Registry(Settings(url=upstream.url, cache_dir=tmp_path / "cache"), env={})
    result = await registry.refresh()
    # The catalog is swapped in memory even though the cache could not be written.
    assert result.outcome == RefreshOutcome.UPDATED
    assert any("could not write the cache" in p for p in registry.status().problems)


async def test_cache_edited_behind_our_back_is_validated_in_full(upstream, tmp_path):
    cache = await filled_cache(upstream, tmp_path)
    cache.catalog_path.write_bytes(MINI_CATALOG.read_bytes())  # valid, but not the bytes we hashed
    loaded = load_initial(None, cache)
    assert (loaded.source, loaded.catalog.model_count) == ("cache", 39)


async def test_cache_files_are_private_to_the_user(upstream, tmp_path):
    cache = await filled_cache(upstream, tmp_path)
    assert cache.catalog_path.stat().st_mode & 0o077 == 0


def test_two_processes_refreshing_one_cache_leave_a_valid_file(upstream, tmp_path):
    script = textwrap.dedent(
        """
        import sys, anyio
        from pathlib import Path
        from models_registry.registry import Registry
        from models_registry.settings import Settings
        registry = Registry(Settings(url=sys.argv[1], cache_dir=Path(sys.argv[2])), env={})
        for _ in range(15):
            result = anyio.run(lambda: registry.refresh(force=True))
            assert result.outcome in ("updated", "not_modified"), result
        """
    )
    # No ETag: every request is a full download and a full cache write.
    upstream.etag = ""
    procs = [
        subprocess.Popen([sys.executable, "-c", script, upstream.url, str(tmp_path / "cache")], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    loaded = CatalogCache(tmp_path / "cache").load()
    assert loaded.catalog.model_count == 39
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage", "missing", "another catalog's"])
async def test_a_broken_cache_index_only_costs_a_full_parse(upstream, tmp_path, how):
    cache = await filled_cache(upstream, tmp_path)
    expected = orjson.loads(cache.catalog_path.read_bytes())
    if how == "another catalog's":
        cache.index_path.write_bytes(load_snapshot().catalog.to_json_with_index()[1].to_json())
    else:
        break_file(cache.index_path, how)
    loaded = load_initial(None, cache)
    assert (loaded.source, loaded.problems) == ("cache", [])
    assert loaded.catalog._index is None  # not trusted: the catalog was parsed whole
    assert loaded.catalog.raw == expected


async def test_the_cache_and_the_snapshot_are_read_through_their_index(upstream, tmp_path):
    cache = await filled_cache(upstream, tmp_path)
    assert cache.load().catalog._index is not None
    assert load_snapshot().catalog._index is not None
