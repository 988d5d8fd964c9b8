"""One running instance per data dir: an exclusive ``flock`` on ``DATA_DIR/ketluan.lock``.

The bot holds the lock while it runs; ``restore`` takes it before touching the data, so it
refuses while the bot runs (and a bot started during a restore refuses to start). The kernel
drops the lock when the process ends, however it ends, so a crash leaves no stale lock. The
file holds the holder's process id, for the message only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

from core.errors import KetluanError

LOCK_NAME = "ketluan.lock"


class InstanceLocked(KetluanError):
    """Another process (the running bot, or a restore) holds the data dir's lock."""


class InstanceLock:
    """The exclusive lock of a data dir; a context manager.

    Example:
        ``with InstanceLock(settings.data_dir): app.run_polling()``
    """

    def __init__(self, data_dir: Path) -> None:
        """Lock ``data_dir`` (created when missing) once entered or :meth:`acquire` d."""
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock without waiting.

        Raises:
            InstanceLocked: another process (or another lock object of this process) holds it.
        """
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (PID {holder})" if holder else ""
            raise InstanceLocked(
                f"Dữ liệu tại {self.path.parent} đang được một tiến trình ketluan khác sử dụng{who}, "
                "thường là bot đang chạy. Hãy dừng bot (ví dụ `systemctl stop ketluan`) rồi thử lại.",
                detail=f"{self.path} is locked by pid {holder or 'unknown'}",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (the file stays; an unlocked file means nobody holds it)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def is_locked(data_dir: Path) -> bool:
    """Whether some process holds ``data_dir``'s lock now (a running bot, a restore)."""
    probe = InstanceLock(data_dir)
    if not probe.path.exists():
        return False
    try:
        probe.acquire()
    except InstanceLocked:
        return True
    probe.release()
    return False


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
