#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The network tests' services and probes (tests/root/netlib.sh), standard library only.
#
# Services (run in the test's namespaces, as root, in the foreground):
#   net-tool.py serve READY_FILE SPEC...
#       SPEC is KIND:ADDR:PORT (an IPv6 ADDR in brackets: tcp-echo:[::1]:7) with KIND one of
#         tcp-echo  echoes what it reads, line by line
#         udp-echo  sends every datagram back
#         whoami    writes the peer's address and closes (shows what NAT did)
#         http      answers any request with "200 OK" and "NAME PEER" in the body
#                   (NAME from $NET_TOOL_NAME), enough for curl and for the probe
#       READY_FILE is written once every socket listens.
#
# Probes (run as the user inside a paddock, or anywhere; print one line, exit 0 when
# the far side answered as it should, 1 when it did not, with the reason):
#   net-tool.py tcp ADDR PORT        a line through a tcp-echo
#   net-tool.py udp ADDR PORT        a datagram through a udp-echo
#   net-tool.py whoami ADDR PORT     print the address the service saw
#   net-tool.py http ADDR PORT       print the body
#   net-tool.py resolve NAME         print the IPv4 addresses of NAME (libc resolver)
#   net-tool.py dns SERVER NAME      one A query for NAME to SERVER (UDP 53), not through
#                                    resolv.conf; print the IPv4 addresses of the answer
#   net-tool.py listen ADDR PORT     a tcp-echo in the foreground (for another user to try)
# An ADDR with a colon is IPv6.
import os, socket, struct, sys, threading

TIMEOUT = float(os.environ.get("NET_TOOL_TIMEOUT", "3"))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def bound_socket(addr, kind):
    s = socket.socket(family(addr), kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if ":" in addr:
        # "::" is IPv6 only: 0.0.0.0 on the same port is another service
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    return s


def tcp_server(addr, port, handle):
    s = bound_socket(addr, socket.SOCK_STREAM)
    s.bind((addr, port))
    s.listen(128)

    def loop():
        while True:
            c, peer = s.accept()
            threading.Thread(target=handle, args=(c, peer), daemon=True).start()

    return loop


def echo(c, peer):
    with c:
        c.settimeout(30)
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    return
                c.sendall(data)
        except OSError:
            return


def whoami(c, peer):
    with c:
        c.sendall(("%s\n" % peer[0]).encode())


def http(c, peer):
    with c:
        c.settimeout(10)
        try:
            req = b""
            while b"\r\n\r\n" not in req and len(req) < 65536:
                chunk = c.recv(4096)
                if not chunk:
                    break
                req += chunk
            body = ("%s %s\n" % (os.environ.get("NET_TOOL_NAME", "http"), peer[0])).encode()
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                      % len(body) + body)
        except OSError:
            return


def udp_server(addr, port):
    s = bound_socket(addr, socket.SOCK_DGRAM)
    s.bind((addr, port))

    def loop():
        while True:
            data, peer = s.recvfrom(65536)
            s.sendto(data, peer)

    return loop


def serve(ready, specs):
    loops = []
    for spec in specs:
        kind, rest = spec.split(":", 1)
        addr, port = rest.rsplit(":", 1)
        addr, port = addr.strip("[]"), int(port)
        if kind == "udp-echo":
            loops.append(udp_server(addr, port))
        else:
            loops.append(tcp_server(addr, port, {"tcp-echo": echo, "whoami": whoami,
                                                  "http": http}[kind]))
    for loop in loops:
        threading.Thread(target=loop, daemon=True).start()
    with open(ready, "w") as f:
        f.write("%d\n" % os.getpid())
    threading.Event().wait()


def connect(addr, port):
    return socket.create_connection((addr, int(port)), timeout=TIMEOUT)


def dns_query(server, name):
    q = struct.pack(">HHHHHH", 0x5044, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    q += struct.pack(">HH", 1, 1)
    s = socket.socket(family(server), socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.sendto(q, (server, 53))
    r = s.recv(4096)
    if r[:2] != q[:2]:
        fail("not our answer")
    # the answers' A records: NAME(pointer) TYPE CLASS TTL RDLENGTH RDATA after the question
    n, addrs, i = struct.unpack(">H", r[6:8])[0], [], len(q)
    for _ in range(n):
        i += 2 if r[i] & 0xC0 == 0xC0 else r.index(b"\0", i) + 1 - i
        typ, _, _, rdlen = struct.unpack(">HHIH", r[i:i + 10])
        if typ == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(r[i + 10:i + 14]))
        i += 10 + rdlen
    return addrs


def fail(why):
    print("FAIL %s" % why)
    sys.exit(1)


def probe(cmd, args):
    try:
        if cmd == "tcp":
            msg = b"paddock-tcp-probe\n"
            with connect(*args) as c:
                c.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            if got != msg:
                fail("echo returned %r" % got)
            print("TCP-OK")
        elif cmd == "udp":
            msg = b"paddock-udp-probe"
            s = socket.socket(family(args[0]), socket.SOCK_DGRAM)
            s.settimeout(TIMEOUT)
            s.sendto(msg, (args[0], int(args[1])))
            got, _ = s.recvfrom(65536)
            if got != msg:
                fail("echo returned %r" % got)
            print("UDP-OK")
        elif cmd == "whoami":
            with connect(*args) as c:
                print(c.makefile().readline().strip())
        elif cmd == "http":
            with connect(*args) as c:
                c.sendall(b"GET / HTTP/1.0\r\nHost: probe\r\n\r\n")
                data = b""
                while True:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.0 200"):
                fail("answer %r" % data[:80])
            print(body.decode().strip())
        elif cmd == "resolve":
            infos = socket.getaddrinfo(args[0], None, socket.AF_INET, socket.SOCK_STREAM)
            print(" ".join(sorted({i[4][0] for i in infos})))
        elif cmd == "dns":
            print(" ".join(dns_query(args[0], args[1])) or fail("no address in the answer"))
        elif cmd == "listen":
            print("LISTENING", flush=True)
            tcp_server(args[0], int(args[1]), echo)()
        else:
            print("net-tool.py: unknown command %s" % cmd, file=sys.stderr)
            sys.exit(2)
    except socket.timeout:
        fail("timeout")
    except ConnectionRefusedError:
        fail("refused")
    except socket.gaierror as e:
        fail("resolve: %s" % e)
    except OSError as e:
        fail(e.strerror or str(e))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__ if __doc__ else "usage: see the file's header", file=sys.stderr)
        sys.exit(2)
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3:])
    else:
        probe(sys.argv[1], sys.argv[2:])
