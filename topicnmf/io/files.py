"""Safe writes: an output is created fresh or replaces only a regular file topicnmf was asked to
write; nothing is ever written through a link, into a device or pipe, or half-way.

- Every file is written to a temporary sibling ``.NAME.PID.RANDOM.tmp``, flushed to disk and
  renamed over the target, so a reader sees the old file or the new one, never a mix.
- A set of files (``tag``'s four outputs) is all-or-nothing: every temporary file is written
  before the first rename, and a failure removes them all.
- An existing target that is not a regular file (a folder, device, FIFO, socket) or is a
  symbolic link is refused, never replaced.
- Temporary files left by a killed process (its PID is gone) are removed by the next write
  beside them.
- :func:`check_output_file` and :func:`check_output_folder` look at a destination before the
  work starts, so a long fit or tagging run does not fail at its very end.
- :func:`exclusive_lock` serializes read-modify-write updates (labels, model saves, ``tag``).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

TEMP_SUFFIX = ".tmp"


def default_mode() -> int:
    """Permissions a new file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_output_file(path, *, inputs=()) -> Path:
    """Refuse ``path`` as an output file before any work is done.

    Parameters
    ----------
    path : str or Path
        Where a file will be written.
    inputs : iterable of str or Path
        Files the command reads: an output may not replace one of them.

    Returns
    -------
    Path

    Raises
    ------
    InputError
        ``path`` is a folder, a device, a FIFO, a socket or a symbolic link; it is one of the
        ``inputs``; or its folder cannot be created or written to.
    """
    path = Path(path)
    st = _lstat(path)
    if st is not None:
        _refuse_special(path, st)
        for source in inputs:
            if os.path.exists(source) and os.path.samefile(path, source):
                raise InputError(f"{path}: is an input of this command; write the output to "
                                 "another file")
    check_writable_folder(path.parent)
    return path


def check_output_folder(path, *, own_files=(), marker=None) -> Path:
    """Refuse ``path`` as an output folder before any work is done.

    Parameters
    ----------
    path : str or Path
        A folder that will receive ``own_files``.
    own_files : iterable of str
        Names of the files the command writes there.
    marker : str, optional
        Name of a file that marks the folder as written by this command earlier. Without it,
        an existing folder may not already hold any of ``own_files`` (someone else's files of
        the same names would be replaced).

    Raises
    ------
    InputError
        ``path`` exists and is not a folder; one of ``own_files`` there is not a regular file,
        or would replace a file this command did not write; or the folder cannot be written.
    """
    path = Path(path)
    st = _stat(path)
    if st is None:
        check_writable_folder(path.parent)
        return path
    if not stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: exists and is not a folder; choose another output folder")
    owned = marker is not None and (path / marker).is_file()
    for name in own_files:
        st = _lstat(path / name)
        if st is None:
            continue
        _refuse_special(path / name, st)
        if not owned:
            raise InputError(f"{path / name}: already exists and was not written by topicnmf "
                             f"here (no {marker}); choose an empty or new output folder")
    check_writable_folder(path)
    return path


def check_writable_folder(folder) -> None:
    """InputError unless ``folder`` (or the first existing folder above it) can be written."""
    folder = Path(folder) if str(folder) else Path(".")
    existing = folder
    while _stat(existing) is None and existing != existing.parent:
        existing = existing.parent
    st = _stat(existing)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise InputError(f"{existing}: is a file, not a folder; choose another output path")
    if not os.access(existing, os.W_OK | os.X_OK):
        reason = "the file system is read-only" if _read_only(existing) else "permission denied"
        raise InputError(f"{existing}: cannot write there ({reason}); choose another location")


def write_atomic(path, content) -> Path:
    """Write ``content`` (str or bytes) to ``path`` through a temporary file and a rename.

    Raises
    ------
    InputError
        If ``path`` exists and is not a regular file (see :func:`check_output_file`).
    OSError
        Disk full, permission denied, ...; the target is then unchanged and no temporary
        file is left.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a.txt", "hello\\n").read_text()
    'hello\\n'
    """
    write_all({path: content})
    return Path(path)


def write_all(contents: dict) -> None:
    """Write several files all-or-nothing: every temporary file first, then the renames.

    ``contents`` maps each path to its str or bytes content. If any write fails, every
    temporary file is removed and no target has changed.
    """
    staged = []
    try:
        for path, content in contents.items():
            path = Path(path)
            st = _lstat(path)
            if st is not None:
                _refuse_special(path, st)
            path.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_write_temp(path, content), path))
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            _remove_quietly(tmp)
        raise


def temp_file_for(path) -> Path:
    """A new empty temporary file beside ``path`` (cleaning up those of dead processes)."""
    path = Path(path)
    clean_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX,
                               dir=path.parent)
    os.close(fd)
    os.chmod(tmp, default_mode())          # mkstemp creates 0600; give what open() would
    return Path(tmp)


def clean_stale_temps(path) -> list:
    """Remove the temporary files of ``path`` whose writing process is gone; returns them."""
    path = Path(path)
    prefix = f".{path.name}."
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
            continue
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            _remove_quietly(path.parent / name)
            removed.append(path.parent / name)
    return removed


@contextmanager
def exclusive_lock(path, command, *, wait=30.0):
    """Hold :func:`open_lock` on ``path`` for the block (waiting up to ``wait`` seconds)."""
    handle = open_lock(path, command, wait=wait)
    try:
        yield handle
    finally:
        handle.close()                        # releases the lock


def open_lock(path, command, *, wait=0.0):
    """An open file holding an exclusive ``flock`` on ``path`` (created if needed).

    The lock lasts until the file is closed. A lock held by another process is waited for up
    to ``wait`` seconds; then InputError names ``command`` as the one in the way.
    """
    path = Path(path)
    handle = open(path, "a")
    try:
        import fcntl
    except ImportError:                        # pragma: no cover (not POSIX)
        return handle
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                handle.close()
                raise InputError(f"{path.parent}: another '{command}' is writing there; wait "
                                 "for it to finish or choose another output") from None
        time.sleep(0.05)


@contextmanager
def naming(path):
    """Let an OSError raised in the block name ``path`` if it names no file (a write through
    an open file object), so that the user is told which output failed."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None


def _write_temp(path: Path, content) -> Path:
    tmp = temp_file_for(path)
    try:
        with naming(path):
            _write_content(tmp, content)
    except BaseException:
        _remove_quietly(tmp)
        raise
    return tmp


def _write_content(tmp: Path, content) -> None:
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _refuse_special(path: Path, st) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise InputError(f"{path}: is a symbolic link; topicnmf does not replace links, "
                         "give the real path or another name")
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a folder; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: is not a regular file (a device, pipe or socket); "
                         "topicnmf writes only regular files, choose another path")


def _lstat(path):
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _stat(path):
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _read_only(path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):      # pragma: no cover (no statvfs)
        return False


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:                # alive, another user's
        return True
    return True


def _remove_quietly(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
