"""Many UDP datagrams per system call: Linux's recvmmsg(2) and sendmmsg(2).

Every packet a server answers costs it two system calls, a `recvfrom` and a
`sendto`, and on a busy loopback those calls are most of its CPU (the
performance page's floor table: an echo server that does no DNS at all costs
most of what part 4 spends on a cache hit). Linux can move
up to 64 datagrams in one call each way. Python's `socket` module does not
offer those two calls, so this module reaches them through `ctypes`, with
the C structures declared as Python classes: ctypes lays them out as the C
compiler would on this machine, 32-bit or 64-bit.

    if DatagramBatches.available():        # Linux with glibc
        batches = DatagramBatches(sock)
        # when the socket is readable: up to 64 datagrams in one recvmmsg,
        # answer(wire, address) -> reply bytes or None for each, and the
        # replies out in one sendmmsg
        batches.answer_waiting(answer)

The server uses it when it can (part2_server/server.py, `_UdpSocket`); the
plain loop of `recvfrom` and `sendto` there is the same thing, slower, and
what to read first.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import mmap
import platform
import socket
import sys
from collections.abc import Callable

from part1_client.sizes import MAX_MESSAGE, MAX_UDP_DATAGRAM

logger = logging.getLogger(__name__)

BATCH = 64  # datagrams moved by one call at most
MAX_ADDRESSES = 4096  # senders whose address tuple is remembered, see _address


# The C structures of <sys/socket.h> and <sys/uio.h>, field by field. glibc
# declares msg_iovlen and msg_controllen as size_t; ctypes adds the padding.
class _IoVec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _MsgHdr(ctypes.Structure):
    _fields_ = [("msg_name", ctypes.c_void_p), ("msg_namelen", ctypes.c_uint32),
                ("msg_iov", ctypes.POINTER(_IoVec)), ("msg_iovlen", ctypes.c_size_t),
                ("msg_control", ctypes.c_void_p), ("msg_controllen", ctypes.c_size_t),
                ("msg_flags", ctypes.c_int)]


class _MMsgHdr(ctypes.Structure):
    # msg_len: how many bytes this message moved, written by the kernel.
    _fields_ = [("msg_hdr", _MsgHdr), ("msg_len", ctypes.c_uint)]


def _libc_calls() -> tuple[ctypes._CFuncPtr, ctypes._CFuncPtr] | None:
    """recvmmsg and sendmmsg from the C library, or None where they are not to be had."""
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return None  # the structures above are glibc's
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        recvmmsg, sendmmsg = libc.recvmmsg, libc.sendmmsg
    except AttributeError:
        return None
    # int recvmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags, struct timespec *t)
    recvmmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                         ctypes.c_void_p]
    # int sendmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags)
    sendmmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int]
    recvmmsg.restype = sendmmsg.restype = ctypes.c_int
    return recvmmsg, sendmmsg


_CALLS = _libc_calls()
_SOCKADDR_SIZE = {socket.AF_INET: 16, socket.AF_INET6: 28}  # sockaddr_in, sockaddr_in6


class _Slots:
    """`count` buffers of `size` bytes, each with its message header, in C memory.

    The buffers are an anonymous mmap: the kernel gives a page memory only
    once something is written to it, so 64 slots of 64 KiB cost what the
    packets in them take, not 4 MiB. Slots for receiving also get a buffer
    each for the sender's address; slots for sending point at the address
    their reply goes to, set for each reply.
    """

    def __init__(self, count: int, size: int, name_size: int, receiving: bool) -> None:
        self.size = size
        self.memory = mmap.mmap(-1, count * size)
        self.view = memoryview(self.memory)
        start = ctypes.addressof(ctypes.c_char.from_buffer(self.memory))
        self.iovecs = (_IoVec * count)()
        self.headers = (_MMsgHdr * count)()
        self.names = (ctypes.c_char * (count * name_size if receiving else 0))()
        for i in range(count):
            self.iovecs[i].iov_base = start + i * size
            self.iovecs[i].iov_len = size
            header = self.headers[i].msg_hdr
            header.msg_iov = ctypes.pointer(self.iovecs[i])
            header.msg_iovlen = 1
            if receiving:
                header.msg_name = ctypes.addressof(self.names) + i * name_size
            header.msg_namelen = name_size
        self.address = ctypes.addressof(self.headers)
        # Plain Python views of the fields read or written for every packet:
        # indexing a memoryview is several times cheaper than a ctypes field.
        self.words = memoryview(self.headers).cast("B").cast("I")
        self.pointers = memoryview(self.headers).cast("B").cast("N")
        self.lengths = memoryview(self.iovecs).cast("B").cast("N")
        self.name_view = memoryview(self.names).cast("B")


class DatagramBatches:
    """Receive and send the datagrams of one UDP socket up to BATCH at a time."""

    def __init__(self, sock: socket.socket) -> None:
        if _CALLS is None:
            raise OSError("recvmmsg and sendmmsg are not available here")
        self._recvmmsg, self._sendmmsg = _CALLS
        self._fd = sock.fileno()
        self._family = sock.family
        # The kernel writes each sender's address into its message's name
        # buffer. Our socket has one family, so every address has one size.
        self._name_size = _SOCKADDR_SIZE[sock.family]
        self._received = _Slots(BATCH, MAX_MESSAGE, self._name_size, receiving=True)
        # A reply's destination is its query's sockaddr, in the received slots.
        self._sending = _Slots(BATCH, MAX_UDP_DATAGRAM, self._name_size, receiving=False)
        header_size = ctypes.sizeof(_MMsgHdr)
        self._stride_words = header_size // 4
        self._msg_len_word = _MMsgHdr.msg_len.offset // 4
        self._stride_pointers = header_size // ctypes.sizeof(ctypes.c_size_t)
        self._name_pointer = _MsgHdr.msg_name.offset // ctypes.sizeof(ctypes.c_size_t)
        self._names_start = ctypes.addressof(self._received.names)
        # A received datagram's address, by the raw bytes of its sockaddr.
        self._addresses: dict[bytes, tuple] = {}

    @staticmethod
    def available() -> bool:
        return _CALLS is not None

    # --8<-- [start:answer_waiting]
    def answer_waiting(self, answer: Callable[[bytes, tuple], bytes | None]) -> None:
        """Take the datagrams waiting, up to BATCH; send the replies `answer` gives at once.

        `answer(wire, address)` returns the reply to send now, or None (none,
        or one sent later, with sendto).
        """
        received = self._recvmmsg(self._fd, self._received.address, BATCH,
                                  socket.MSG_DONTWAIT, None)
        if received < 0:
            error = ctypes.get_errno()
            if error not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                # An ICMP error for an earlier reply (the client went away).
                logger.debug("UDP error: %s", errno.errorcode.get(error, error))
            return
        # Everything the loop needs, in local variables: it runs for every packet.
        addresses, new_address, name_size = self._addresses, self._address, self._name_size
        names, queries, lengths = (self._received.name_view, self._received.view,
                                   self._received.words)
        query_size, length_stride, length_at = (self._received.size, self._stride_words,
                                                self._msg_len_word)
        replies_out, reply_lengths, pointers = (self._sending.view, self._sending.lengths,
                                                self._sending.pointers)
        reply_size, pointer_stride, name_at = (self._sending.size, self._stride_pointers,
                                               self._name_pointer)
        names_start = self._names_start
        replies = 0
        try:
            for i in range(received):
                raw = names[i * name_size:(i + 1) * name_size].tobytes()
                address = addresses.get(raw) or new_address(raw)
                start = i * query_size
                reply = answer(queries[start:start + lengths[i * length_stride + length_at]]
                               .tobytes(), address)
                if reply is None:
                    continue
                if len(reply) > reply_size:
                    logger.debug("a reply of %d bytes is too big for UDP", len(reply))
                    continue
                # Into the next sending slot: the bytes, their length, and as
                # the destination the sockaddr this query came from.
                start = replies * reply_size
                replies_out[start:start + len(reply)] = reply
                reply_lengths[replies * 2 + 1] = len(reply)  # iov_len, after iov_base
                pointers[replies * pointer_stride + name_at] = names_start + i * name_size
                replies += 1
        finally:
            self._send(replies)
    # --8<-- [end:answer_waiting]

    def _address(self, raw: bytes) -> tuple:
        """The (host, port) tuple Python's recvfrom gives for sockaddr `raw`, kept.

        The same few clients send most packets: with their tuples kept (by the
        raw bytes), the host string is not formatted again for each packet.
        """
        port = int.from_bytes(raw[2:4], "big")
        if self._family == socket.AF_INET:
            address: tuple = (socket.inet_ntop(socket.AF_INET, raw[4:8]), port)
        else:  # sockaddr_in6: family, port, flow info, address, scope id
            host = socket.inet_ntop(socket.AF_INET6, raw[8:24])
            scope = int.from_bytes(raw[24:28], sys.byteorder)
            if scope:
                host = f"{host}%{_interface_name(scope)}"
            address = (host, port, int.from_bytes(raw[4:8], "big"), scope)
        if len(self._addresses) >= MAX_ADDRESSES:
            self._addresses.clear()  # many clients: start again rather than grow
        self._addresses[raw] = address
        return address

    def _send(self, replies: int) -> None:
        """Send the first `replies` sending slots; those the kernel refuses are dropped."""
        sent, header_size = 0, ctypes.sizeof(_MMsgHdr)
        while sent < replies:
            count = self._sendmmsg(self._fd, self._sending.address + sent * header_size,
                                   replies - sent, 0)
            if count <= 0:
                # A full send buffer or an unreachable client: as with sendto,
                # UDP may drop and the client asks again. Skip it, send the rest.
                logger.debug("UDP send failed: %s", errno.errorcode.get(ctypes.get_errno(), "?"))
                count = 1
            sent += count


def _interface_name(index: int) -> str:
    try:
        return socket.if_indextoname(index)
    except OSError:
        return str(index)
