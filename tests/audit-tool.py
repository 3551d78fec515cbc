#!/usr/bin/env python3
# The kernel's audit over raw netlink, for the tests and the demo (no auditd,
# no auditctl needed):
#   audit-tool.py status              print the kernel's enabled flag
#   audit-tool.py set 0|1             set it (AUDIT_SET)
#   audit-tool.py listen FILE READY   append every user record to FILE
#                                     (multicast group AUDIT_NLGRP_READLOG)
#   audit-tool.py syslog PATH FILE    a /dev/log of our own, one line a message
import ctypes, os, socket, struct, sys

NETLINK_AUDIT, AUDIT_GET, AUDIT_SET, NLMSG_ERROR = 9, 1000, 1001, 2
NLM_F_REQUEST, NLM_F_ACK, AUDIT_STATUS_ENABLED = 1, 4, 1

def request(type_, payload=b""):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    s.settimeout(5)
    s.sendto(struct.pack("=IHHII", 16 + len(payload), type_, NLM_F_REQUEST | NLM_F_ACK, 1, 0)
             + payload, (0, 0))
    status, acked = None, False
    while status is None or not acked:
        data = s.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, ty = struct.unpack_from("=IH", data, off)
            if ty == NLMSG_ERROR:
                err = struct.unpack_from("=i", data, off + 16)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                acked = True
                if type_ != AUDIT_GET:
                    status = b""
            elif ty == AUDIT_GET:
                status = data[off + 16:off + ln]
            off += (ln + 3) & ~3
    return status

def enabled():
    return struct.unpack_from("=II", request(AUDIT_GET))[1]

def set_enabled(v):
    request(AUDIT_SET, struct.pack("=11I", AUDIT_STATUS_ENABLED, v, *([0] * 9)))

def listen(out, ready):
    # Every user record (types 1100-1199, 2100-2999), as auditd writes them.
    names = ctypes.CDLL("libaudit.so.1").audit_msg_type_to_name
    names.restype = ctypes.c_char_p
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((0, 1))  # AUDIT_NLGRP_READLOG
    open(ready, "w").close()
    with open(out, "a") as f:
        while True:
            data = s.recv(65536)
            ln, ty = struct.unpack_from("=IH", data)
            if not (1100 <= ty <= 1199 or 2100 <= ty <= 2999):
                continue
            name = names(ty)
            name = name.decode() if name else "UNKNOWN[%d]" % ty
            text = data[16:ln].rstrip(b"\0").decode(errors="replace")
            f.write("type=%s msg=%s\n" % (name, text))
            f.flush()

def syslog(path, out):
    # A /dev/log of our own: one line per message.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(out, "a") as f:
        while True:
            f.write(s.recv(65536).decode(errors="replace").rstrip("\n") + "\n")
            f.flush()

cmd = sys.argv[1]
if cmd == "status":
    print(enabled())
elif cmd == "set":
    set_enabled(int(sys.argv[2]))
elif cmd == "listen":
    listen(sys.argv[2], sys.argv[3])
elif cmd == "syslog":
    syslog(sys.argv[2], sys.argv[3])
