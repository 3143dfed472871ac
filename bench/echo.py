"""The floor under any asyncio DNS server: a UDP "server" that does no work.

It sends every packet back with the QR bit set, so dnsperf counts it as an
answer. Its CPU time per packet is what the event loop and the socket calls
cost before any DNS work is done. Two ways to read the socket:

- transport: asyncio's datagram transport and protocol, as part 2's server
  uses (one trip through the selector per packet);
- direct: a reader callback that reads every packet already waiting with
  sock.recvfrom before going back to the selector;
- batches: the same callback, with up to 64 packets per system call each way
  (recvmmsg and sendmmsg, part2_server/udp_batches.py), as part 2's server
  reads where Linux has them.

    python bench/echo.py --port 5300 --loop uvloop --mode direct
"""

from __future__ import annotations

import argparse
import asyncio
import socket

from part2_server.udp_batches import DatagramBatches


def echo(data: bytes, _address: tuple) -> bytes:
    """The packet back, with the QR bit set so that dnsperf counts it as an answer."""
    return data[:2] + bytes((data[2] | 0x80,)) + data[3:]


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, address) -> None:
        self.transport.sendto(echo(data, address), address)


async def serve(port: int, mode: str) -> None:
    loop = asyncio.get_running_loop()
    if mode == "transport":
        await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", port))
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", port))
        sock.setblocking(False)

        def readable() -> None:
            for _ in range(64):
                try:
                    data, address = sock.recvfrom(65535)
                except BlockingIOError:
                    return
                sock.sendto(echo(data, address), address)

        if mode == "batches":
            batches = DatagramBatches(sock)
            loop.add_reader(sock.fileno(), batches.answer_waiting, echo)
        else:
            loop.add_reader(sock.fileno(), readable)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--mode", choices=["transport", "direct", "batches"], default="transport")
    args = parser.parse_args()
    factory = None
    if args.loop == "uvloop":
        import uvloop
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(serve(args.port, args.mode))


if __name__ == "__main__":
    main()
