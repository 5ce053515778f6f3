"""The floor of the load in ``load.py``: what this machine costs to move the same answers
with no work behind them. A bare asyncio server (no framework, no ASGI) in as many
processes as the service has workers, sharing the port: ``/feeds/all.ics`` is a file
sent by the kernel (``loop.sendfile``, no copy through Python), every other path a short
JSON answer. Whatever the load client measures against it, no Python service can beat.

    python bench/wire.py PORT WORKERS FILE   # FILE: the gzipped calendar to send
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

SHORT = b'{"status":"ok"}'


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, big: Path) -> None:
    loop = asyncio.get_running_loop()
    size = big.stat().st_size
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1]
            if path == b"/feeds/all.ics":
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/calendar; charset=utf-8\r\n"
                    b"content-encoding: gzip\r\ncontent-length: %d\r\n\r\n" % size
                )
                await writer.drain()
                with big.open("rb") as f:
                    await loop.sendfile(writer.transport, f)
            else:
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(SHORT), SHORT)
                )
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _main(sock: socket.socket, big: Path) -> None:
    server = await asyncio.start_server(lambda r, w: _serve(r, w, big), sock=sock)
    async with server:
        await server.serve_forever()


def main() -> None:
    port, workers, big = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    for _ in range(workers - 1):
        if os.fork() == 0:
            break
    asyncio.run(_main(sock, big))


if __name__ == "__main__":
    main()
