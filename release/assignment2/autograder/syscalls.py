"""The seccomp filter of the runner: system calls that numpy code never needs fail with EPERM.

The BPF program is built by libseccomp (through the `pyseccomp` bindings); bubblewrap installs it right before
it executes the runner (`bwrap --seccomp FD`), and without bubblewrap the runner's own process loads it before
exec. What it refuses, by group:

- changing mounts and namespaces: mount, umount2, pivot_root, chroot, the new mount API, unshare, setns, and
  clone() with any CLONE_NEW* flag (clone3, whose flags the filter cannot see, fails with ENOSYS, so that the C
  library falls back to clone, as it does on older kernels);
- looking into or changing other processes: ptrace, process_vm_readv/writev, kcmp, pidfd_getfd;
- kernel keys, BPF programs, performance counters, userfaultfd, io_uring;
- loading kernels and modules, rebooting, swap, accounting, quotas, the clock, host and domain names, the kernel log;
- memory that escapes every size cap: memfd_create and memfd_secret, System V shared memory and message queues,
  POSIX message queues (files in the capped /tmp and /dev/shm work as usual);
- with NETWORK set (the runner without bubblewrap has no network namespace of its own): socket() and socketpair().

Whatever the student's code calls, the runner itself (Python, numpy, OpenBLAS) needs none of these: the tests
that grade the reference solution run under this filter.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable
from functools import cache

DENIED = (
    # mounts and namespaces
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    "mount_setattr", "unshare", "setns",
    # other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # kernel facilities numpy never uses
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "lookup_dcookie", "open_by_handle_at", "name_to_handle_at",
    "fanotify_init",
    # the machine itself
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff",
    "acct", "quotactl", "quotactl_fd", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
    "setdomainname", "syslog", "vhangup", "iopl", "ioperm", "uselib", "nfsservctl",
    # memory outside the size caps
    "memfd_create", "memfd_secret", "shmget", "shmat", "msgget", "msgsnd", "mq_open",
)
NETWORK = ("socket", "socketpair")
CLONE_NEW = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME


class SeccompUnavailable(RuntimeError):
    """libseccomp or its Python bindings are missing."""


def _library():
    try:
        import pyseccomp
    except (ImportError, RuntimeError, OSError) as exc:  # RuntimeError: the bindings found no libseccomp.so
        raise SeccompUnavailable(f"the seccomp filter needs libseccomp and pyseccomp ({exc})") from None
    return pyseccomp


def available() -> bool:
    try:
        _library()
    except SeccompUnavailable:
        return False
    return True


@cache
def program(network: bool = False) -> bytes:
    """The filter as a BPF program (what `bwrap --seccomp FD` reads)."""
    f = build(network)
    read, write = os.pipe()
    try:
        with os.fdopen(write, "wb") as out:
            f.export_bpf(out)
        chunks = []
        while chunk := os.read(read, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(read)
    return b"".join(chunks)


def build(network: bool = False):
    """The filter (a pyseccomp.SyscallFilter): everything allowed but DENIED (and NETWORK when asked)."""
    seccomp = _library()
    f = seccomp.SyscallFilter(seccomp.ALLOW)
    refuse = seccomp.ERRNO(errno.EPERM)
    for name in DENIED + (NETWORK if network else ()):
        try:
            f.add_rule(refuse, name)
        except OSError:  # not a system call of this architecture (or too new for this libseccomp): nothing to refuse
            continue
    # clone() with a namespace flag: one rule per flag, since a rule tests one masked value.
    bit = 1
    while bit <= CLONE_NEW:
        if CLONE_NEW & bit:
            f.add_rule(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, bit, bit))
        bit <<= 1
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    return f


PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER = 1


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def loader(network: bool = False) -> Callable[[], None]:
    """A function that installs the filter on the process calling it (and all it will start), prepared here so
    that it allocates nothing and runs no library code: safe in a child between fork and exec of a threaded
    parent. It sets no_new_privs first, as seccomp requires of an unprivileged process."""
    bpf = program(network)
    buffer = ctypes.create_string_buffer(bpf, len(bpf))
    fprog = _SockFprog(len(bpf) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    prctl, syscall = libc.prctl, libc.syscall
    number = _library().resolve_syscall(_library().Arch.NATIVE, "seccomp")
    pointer = ctypes.byref(fprog)

    def install() -> None:
        if prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or syscall(number, SECCOMP_SET_MODE_FILTER, 0, pointer) != 0:
            raise OSError(ctypes.get_errno(), "the seccomp filter could not be installed")
        buffer.raw  # noqa: B018 - keeps the program alive as long as the function
    return install
