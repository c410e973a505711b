#!/usr/bin/env python3
"""Connection attempts against a loopback listener, counted: the attacker side of the
reject-cost figure for refusals that happen before a request exists.

Usage: conn_attempts.py MODE PORT SOURCE_PREFIX SECONDS [MAX]
  MODE syn:   a non-blocking connect from SOURCE_PREFIX.N (N cycles 1..250), closed at once:
              exactly one SYN reaches the listener per attempt (a kernel drop costs one SYN).
  MODE reset: a connect that completes (or not within 1 s), then a read until the server
              resets or closes it: one accept-time refusal per attempt.
Prints "ATTEMPTS REFUSED": attempts made and, for reset, how many ended without a usable
connection (a reset, an EOF or a connect that never completed); for syn "-" (the attacker
cannot tell a dropped SYN from a lost one: the gateway's kernel counter says). Bounded by
SECONDS and MAX (default 2,000,000) attempts; loopback only.
"""
import errno
import socket
import sys
import time


def main():
    mode, port, prefix, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else 2_000_000
    if not prefix.startswith("127."):
        sys.exit("refusing a non-loopback source prefix: " + prefix)
    target = ("127.0.0.1", port)
    end = time.monotonic() + seconds
    attempts = refused = 0
    while attempts < limit and (attempts % 64 or time.monotonic() < end):
        source = "%s.%d" % (prefix, attempts % 250 + 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((source, 0))
            if mode == "syn":
                s.setblocking(False)
                try:
                    s.connect(target)
                except BlockingIOError:
                    pass
            else:
                s.settimeout(1.0)
                try:
                    s.connect(target)
                    if not s.recv(1):
                        refused += 1
                except (ConnectionResetError, socket.timeout):
                    refused += 1
                except OSError as e:
                    if e.errno not in (errno.ECONNRESET, errno.ECONNREFUSED):
                        raise
                    refused += 1
        finally:
            s.close()
        attempts += 1
    print(attempts, refused if mode != "syn" else "-")


if __name__ == "__main__":
    main()
