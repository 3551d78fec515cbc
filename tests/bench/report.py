#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tests/bench/report.py RAWDIR RESULTS.md: turn login-bench's raw files into
markdown tables, print them, and put them into RESULTS.md between the markers
<!-- bench:begin --> and <!-- bench:end --> (the rest of the file, the
analysis written by hand, is kept)."""
import os
import pathlib
import re
import statistics
import sys

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ROOT = str(pathlib.Path(__file__).resolve().parents[2]) + "/"


def portable(cmd):
    """A command line without this machine's paths: the repository's own files
    relative to its root, the test run's scratch directory as $T_TMP."""
    cmd = cmd.replace(ROOT, "")
    return re.sub(r"/tmp/paddock-test\.[^/ ]+", "$T_TMP", cmd)


def pct(v, p):
    """The p-th percentile, nearest rank (p99 of 200 samples: the 198th)."""
    v = sorted(v)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]


def us(ns):
    return f"{ns / 1000:,.0f}"


def us2(ns):
    return f"{ns / 1000:,.1f}"


def ms(ns):
    return f"{ns / 1e6:,.2f}"


def summary(v, fmt=us):
    """One cell: median / p99 [p25-p75] in fmt's unit."""
    return f"{fmt(statistics.median(v))} / {fmt(pct(v, 99))} [{fmt(pct(v, 25))}-{fmt(pct(v, 75))}]"


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def lat_section(raw, name, title, a_label="A: pam_permit + pam_paddock",
                b_label="B: pam_permit alone", diff_label="added by paddock (A-B, pair by pair)"):
    text = read(os.path.join(raw, name))
    if not text:
        return []
    rows = {"A": {}, "B": {}}
    for line in text.splitlines():
        f = line.split()
        if len(f) not in (8, 9) or f[0] not in rows:
            continue
        start, opn, tru, cls, end, td = map(int, f[2:8])
        rows[f[0]][int(f[1])] = dict(start=start, open=opn, login=opn + tru + cls,
                                     txn=start + opn + tru + cls + end, close=cls, td=td,
                                     cpu=int(f[8]) if len(f) == 9 else -1)
    pairs = sorted(set(rows["A"]) & set(rows["B"]))
    if not pairs:
        return []
    out = [f"### {title}", "",
           f"{len(pairs)} pairs, A and B alternated (order flipped every pair). "
           "Times in µs: median / p99 [spread p25-p75].", "",
           f"| measure | {a_label} | {b_label} | {diff_label} | ratio A/B (median of pairs) |",
           "|---|---|---|---|---|"]
    labels = [("open", "pam_open_session alone"),
              ("login", "open + fork/exec /bin/true + close"),
              ("close", "pam_close_session alone"),
              ("txn", "whole transaction (pam_start .. pam_end)"),
              ("cpu", "CPU time of the login process (user+sys, with what it reaped)")]
    for key, label in labels:
        if key == "cpu" and any(rows[s][i]["cpu"] < 0 for s in "AB" for i in pairs):
            continue
        a = [rows["A"][i][key] for i in pairs]
        b = [rows["B"][i][key] for i in pairs]
        d = [x - y for x, y in zip(a, b)]
        r = [x / y for x, y in zip(a, b) if y > 0]
        out.append(f"| {label} | {summary(a)} | {summary(b)} | {summary(d)} | {statistics.median(r):.1f}x |")
    td = [rows["A"][i]["td"] for i in pairs if rows["A"][i]["td"] >= 0]
    if td:
        out += ["", f"Teardown (close_session returned -> the user's last cgroup is gone): "
                f"median {ms(statistics.median(td))} ms, p99 {ms(pct(td, 99))} ms."]
    return out + [""]


def peers_section(raw):
    text = read(os.path.join(raw, "peers"))
    if not text:
        return []
    runs = {}
    order = []
    for line in text.splitlines():
        f = line.split()
        if len(f) != 3 or f[0] == "fail":
            continue
        if f[0] not in runs:
            order.append(f[0])
            runs[f[0]] = {}
        runs[f[0]][int(f[1])] = int(f[2])
    out = ["### Peers: one isolated /bin/true, whole process (fork, exec, wait)", "",
           "Each round runs every command once, order rotated; ms: median / p99 [spread p25-p75]. "
           "Ratio: the tool's time over paddock's in the same round (median of rounds).", "",
           "| command | ms | vs paddock first login |", "|---|---|---|"]
    pad = runs.get("paddock", {})
    for name in order:
        v = list(runs[name].values())
        common = [i for i in runs[name] if i in pad]
        ratio = statistics.median([runs[name][i] / pad[i] for i in common]) if common else float("nan")
        out.append(f"| {name} | {summary(v, ms)} | {ratio:.2f}x |")
    missing = read(os.path.join(raw, "peers-missing"))
    if missing and missing.strip():
        out += ["", "Did not run here:"]
        for line in missing.splitlines():
            name, _, why = line.partition("\t")
            out.append(f"* {name}: `{why.strip()[:160]}`")
    spec = read(os.path.join(raw, "peers.spec"))
    if spec:
        out += ["", "Commands:", "```"]
        for line in spec.splitlines():
            f = line.split("\t")
            out.append(f"{f[0]}: {portable(f[2])}")
        out.append("```")
    return out + [""]


def parse_hold(text):
    d = dict(open=[], close=[], mem={}, slab={}, elapsed={}, fail=None, closeall=None, pace=[])
    for line in (text or "").splitlines():
        f = line.split()
        if f[0] == "open":
            d["open"].append((int(f[1]), int(f[3])))
        elif f[0] == "close":
            d["close"].append((int(f[2]), int(f[4]), int(f[5])))
        elif f[0] == "mem":
            d["mem"][int(f[1])] = {k: int(v) for k, v in (x.split(":") for x in f[2:])}
        elif f[0] == "slab":
            d["slab"][int(f[1])] = {k: int(v) for k, v in (x.rsplit(":", 1) for x in f[2:])}
        elif f[0] == "elapsed":
            d["elapsed"][int(f[1])] = int(f[2])
        elif f[0] == "fail":
            d["fail"] = (int(f[1]), int(f[2]))
        elif f[0] == "pace":
            d["pace"].append(int(f[2]))
        elif f[0] == "closeall":
            d["closeall"] = (int(f[1]), int(f[2]))
    return d


KERNEL = ("SUnreclaim", "KernelStack", "PageTables", "Percpu")


def scale_section(raw):
    pad = parse_hold(read(os.path.join(raw, "scale-paddock")))
    per = parse_hold(read(os.path.join(raw, "scale-permit")))
    if not pad["open"]:
        return []
    n = len(pad["open"])
    out = ["### Scale: users logged in one after another and kept", ""]
    if pad["fail"]:
        out.append(f"**Stopped at login {pad['fail'][0]}** (PAM code {pad['fail'][1]}).")
    lim = (read(os.path.join(raw, "limits")) or "").split()
    if lim:
        out.append(f"pid_max {lim[0]}, threads-max {lim[1]}; every idle user is one holder "
                   "(PID 1 of its paddock) plus the process that keeps its session open.")
    out += ["", "First-login latency (pam_open_session) by decile of N, ms: median / p99 [spread p25-p75]; "
            "the pam_permit baseline (same users, same keeper processes) alongside.", "",
            "| logins | paddock | pam_permit alone |", "|---|---|---|"]
    popen = dict(pad["open"])
    bopen = dict(per["open"])
    for d in range(10):
        lo, hi = d * n // 10, (d + 1) * n // 10
        a = [popen[i] for i in range(lo, hi) if i in popen]
        b = [bopen[i] for i in range(lo, hi) if i in bopen]
        if not a:
            continue
        out.append(f"| {lo + 1}-{hi} | {summary(a, ms)} | {summary(b, ms) if b else '-'} |")
    if pad["elapsed"]:
        k = max(pad["elapsed"])
        out += ["", f"{k} paddock logins took {pad['elapsed'][k] / 1e9:.1f} s in all."]
    if pad["pace"]:
        waits = [w for w in pad["pace"] if w >= 0]
        pace = (read(os.path.join(raw, "scale-pace")) or "?").strip()
        out += ["", f"Paced (BENCH_SCALE_PACE=1): each paddock login waited until {pace} spares "
                f"were ready and none was being made: {summary(waits, ms) if waits else '-'} ms "
                f"waited (median / p99 [p25-p75]), {len(pad['pace']) - len(waits)} waits "
                "gave up after 10 s."]
    out += ["", "Kernel memory per idle isolated user: (paddock run − its start) − (pam_permit run − its start), "
            "divided by the users held; /proc/meminfo, KiB per user.", "",
            "| users | SUnreclaim | KernelStack | PageTables | Percpu | kernel total | holder PSS | holder RSS | memcg kmem of the nest | MemAvailable drop |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for k in sorted(x for x in pad["mem"] if x > 0):
        if k not in per["mem"] or 0 not in pad["mem"] or 0 not in per["mem"]:
            continue
        a, a0, b, b0 = pad["mem"][k], pad["mem"][0], per["mem"][k], per["mem"][0]

        def delta(key):
            return ((a[key] - a0[key]) - (b[key] - b0[key])) / k
        ks = [delta(x) for x in KERNEL]
        avail = -delta("MemAvailable")
        out.append(f"| {k} | " + " | ".join(f"{x:,.0f}" for x in ks) +
                   f" | **{sum(ks):,.0f}** | {a['holderPss'] / max(1, a['holders']):,.0f} | "
                   f"{a['holderRss'] / max(1, a['holders']):,.0f} | {delta('cgkmem'):,.0f} | {avail:,.0f} |")
    floor_text = read(os.path.join(raw, "scale-floor"))
    if floor_text and floor_text.startswith("skip"):
        out += ["", f"Kernel floor: not measured ({floor_text.strip()[5:]})."]
    elif floor_text:
        flo = parse_hold(floor_text)
        rows = []
        for k in sorted(x for x in flo["mem"] if x > 0):
            f0, fk = flo["mem"].get(0), flo["mem"][k]
            if not f0:
                continue
            fl = sum(fk[x] - f0[x] for x in KERNEL) / k
            pk = "-"
            if k in pad["mem"] and k in per["mem"] and 0 in pad["mem"] and 0 in per["mem"]:
                a, a0, b, b0 = pad["mem"][k], pad["mem"][0], per["mem"][k], per["mem"][0]
                pv = sum((a[x] - a0[x]) - (b[x] - b0[x]) for x in KERNEL) / k
                pk = f"{pv:,.0f} | x{pv / fl:.2f}" if fl > 0 else f"{pv:,.0f} | -"
            else:
                pk = "- | -"
            last = " (comparable)" if k == max(flo["mem"]) else " (floor after the paddock run's peak)"
            rows.append(f"| {k}{last} | **{fl:,.0f}** | {pk} |")
        out += ["", "Kernel floor: the same kernel objects made directly, without paddock "
                "(`login-bench floor`, run after the paddock run: per user three v1 cgroups with "
                "the shipped limits, one process in them, PID 1 of its own five namespaces, a fresh "
                "proc and sysfs, one tmpfs, lo up); the same sum, KiB per user.  Only the last row "
                "compares like with like: at the earlier ones the floor's memory cgroups already "
                "carry the shrinker state of the paddock run's N users.", "",
                "| users | kernel floor | paddock | paddock / floor |", "|---|---|---|---|"] + rows
        if flo["fail"]:
            out.append(f"The floor stopped at user {flo['fail'][0]}.")
    # Between two checkpoints the offsets of each run (caches, memory cgroups of
    # earlier runs still being freed) cancel out: the marginal cost of one more user.
    ks = sorted(x for x in pad["mem"] if x > 0 and x in per["mem"])
    if len(ks) > 1:
        out += ["", "Marginal kernel memory: the same sum (SUnreclaim + KernelStack + PageTables + Percpu) "
                "between two checkpoints, paddock minus pam_permit, per user added; KiB.", "",
                "| users | kernel per added user | SUnreclaim per added user |", "|---|---|---|"]
        for k1, k2 in zip(ks, ks[1:]):
            a1, a2, b1, b2 = pad["mem"][k1], pad["mem"][k2], per["mem"][k1], per["mem"][k2]

            def marg(key):
                return ((a2[key] - a1[key]) - (b2[key] - b1[key])) / (k2 - k1)
            out.append(f"| {k1 + 1}-{k2} | **{sum(marg(x) for x in KERNEL):,.0f}** | "
                       f"{marg('SUnreclaim'):,.0f} |")
    # Which slab caches grow, between the last two checkpoints (SLUB merges
    # caches of one size: a kmalloc-N or a merged name stands for several).
    ks = sorted(x for x in pad["slab"] if x > 0 and x in per["slab"])
    if len(ks) > 1:
        k1, k2 = ks[-2], ks[-1]
        a1, a2, b1, b2 = pad["slab"][k1], pad["slab"][k2], per["slab"][k1], per["slab"][k2]
        grow = {c: ((a2.get(c, 0) - a1.get(c, 0)) - (b2.get(c, 0) - b1.get(c, 0))) / (k2 - k1)
                for c in set(a1) | set(a2)}
        top = sorted(grow.items(), key=lambda kv: -kv[1])[:12]
        out += ["", f"Slab caches that grow with the users ({k1 + 1}-{k2}, paddock minus pam_permit, "
                "KiB per added user; /proc/slabinfo, num_objs x objsize): "
                + ", ".join(f"{c} {v:,.1f}" for c, v in top if v > 0) + "."]
    probes = []
    for when in ("before", "after"):
        f = (read(os.path.join(raw, f"memcg-{when}")) or "").split()
        if len(f) == 6 and int(f[1]) > 0:
            m = int(f[1])
            probes.append(f"{when} the run {int(f[3]) / m:,.0f} KiB of SUnreclaim and "
                          f"{int(f[5]) / m:,.0f} kmalloc-1k objects (shrinker ids up to about "
                          f"{int(f[5]) // m * 64:,})")
    if probes:
        out += ["", "One more empty memory cgroup cost " + "; ".join(probes) + ". Each keeps "
                "shrinker state for every id up to the most superblocks ever alive since boot "
                "(1 KiB per 64): earlier runs on the same boot raise the figures above."]
    if pad["close"]:
        tc = [c[1] for c in pad["close"]]
        td = [c[2] for c in pad["close"] if c[2] >= 0]
        out += ["", f"Logout of all {len(pad['close'])} users one by one: close_session + the keeper's exit "
                f"median {ms(statistics.median(tc))} ms; teardown (until the user's cgroup is gone) "
                f"median {ms(statistics.median(td))} ms, p99 {ms(pct(td, 99))} ms"
                + (f"; {pad['closeall'][1] / 1e9:.1f} s in all." if pad["closeall"] else ".")]
        end = pad["mem"].get(-1)
        if end and 0 in pad["mem"]:
            left = sum(end[x] - pad["mem"][0][x] for x in KERNEL)
            out.append(f"After the last teardown, kernel memory is {left / 1024:,.1f} MiB above the start "
                       "of the run (memory cgroups still being freed, caches).")
    return out + [""]


def metrics_section(raw):
    """The login counters' cost per login and paddock metrics at each checkpoint."""
    out = []
    text = read(os.path.join(raw, "metrics-counters"))
    if text:
        v = {"A": [], "B": []}
        for line in text.splitlines():
            f = line.split()
            if len(f) == 3 and f[0] in v:
                v[f[0]].append(int(f[2]))
        if v["A"] and v["B"]:
            diff = [a - b for a, b in zip(v["A"], v["B"])]
            out += ["### The login counters: cost per login", "",
                    f"{len(v['A'])} pairs alternated (`tests/bench/bench-counters.c`, the "
                    "module's own code). Times in µs: median / p99 [spread p25-p75].", "",
                    "| A: open STATE_DIR/counters, flock, read, add, write, close | "
                    "B: STATE_DIR opened and closed alone | A-B, pair by pair |",
                    "|---|---|---|",
                    f"| {summary(v['A'], us2)} | {summary(v['B'], us2)} | {summary(diff, us2)} |",
                    ""]
    text = read(os.path.join(raw, "metrics-scrape"))
    if text:
        runs = {}
        for line in text.splitlines():
            f = line.split()
            if len(f) != 9 or f[0] != "scrape":
                continue
            runs.setdefault((int(f[1]), f[2]), []).append((int(f[4]), int(f[5]), f[6],
                                                            int(f[7]), int(f[8])))
        if runs:
            out += ["### paddock metrics and top at N paddocks held", "",
                    "Each run a whole process; times in ms: median / max of the runs "
                    "(top: less its one-second interval); CPU: user + system time "
                    "(10 ms resolution), the figure a loaded machine disturbs least; "
                    "holders: the CPU time every holder used over the run (answering "
                    "the collector, if it asks them).", "",
                    "| paddocks | kind | runs | wall, median / max | CPU, median / max "
                    "| holders' CPU, median / max | output bytes | lines (samples) |",
                    "|---|---|---|---|---|---|---|---|"]
            for (n, kind), r in sorted(runs.items()):
                t = [x[0] for x in r]
                c = [x[3] for x in r]
                h = [x[4] for x in r]
                out.append(f"| {n} | {kind} | {len(r)} | {ms(statistics.median(t))} / "
                           f"{ms(max(t))} | {ms(statistics.median(c))} / {ms(max(c))} "
                           f"| {ms(statistics.median(h))} / {ms(max(h))} "
                           f"| {r[-1][1]:,} | {r[-1][2]} |")
            out.append("")
        calls = [line.split() for line in text.splitlines() if line.startswith("calls ")]
        calls = [f for f in calls if len(f) == 4 and f[3].isdigit()]
        if calls:
            out += ["System calls of one `paddock metrics` run (strace -f -c; stdout-b: "
                    "BENCH_BUILD_B's):", "",
                    "| paddocks | kind | system calls | per paddock |", "|---|---|---|---|"]
            for _, n, kind, total in sorted(calls, key=lambda f: (int(f[1]), f[2])):
                out.append(f"| {n} | {kind} | {int(total):,} | {int(total) / int(n):.1f} |")
            out.append("")
    return out


def net_section(raw):
    """network = nat against loopback: latency, memory of idle users, bulk TCP."""
    out = []
    prestart = (read(os.path.join(raw, "net-prestart")) or "").strip()
    if not prestart:
        return out
    out += lat_section(raw, "net-first", "nat against loopback, first login (a fresh paddock each time)",
                       "A: network = nat", "B: network = loopback", "added by nat (A-B, pair by pair)")
    out += lat_section(raw, "net-spare-first",
                       f"nat against loopback, first login with spares (prestart = {prestart})",
                       "A: nat, spares", "B: loopback, spares", "added by nat (A-B, pair by pair)")
    out += lat_section(raw, "net-join", "nat against loopback, joining login (a keeper each)",
                       "A: network = nat", "B: network = loopback", "A-B, pair by pair")
    nat = parse_hold(read(os.path.join(raw, "net-hold-nat")))
    loop = parse_hold(read(os.path.join(raw, "net-hold-loopback")))
    ks = sorted(k for k in nat["mem"] if k > 0 and k in loop["mem"])
    if ks and 0 in nat["mem"] and 0 in loop["mem"]:
        k = ks[-1]
        a, a0, b, b0 = nat["mem"][k], nat["mem"][0], loop["mem"][k], loop["mem"][0]
        per = {x: (a[x] - a0[x]) / k for x in KERNEL}
        perb = {x: (b[x] - b0[x]) / k for x in KERNEL}
        out += [f"#### Kernel memory per idle user, {k} users held each way", "",
                "Each run's growth from its own start, divided by the users; /proc/meminfo, KiB per user.", "",
                "| network | " + " | ".join(KERNEL) + " | kernel total | holder PSS |",
                "|---|---|---|---|---|---|---|"]
        for name, d, m in (("nat", per, a), ("loopback", perb, b)):
            out.append(f"| {name} | " + " | ".join(f"{d[x]:,.0f}" for x in KERNEL) +
                       f" | **{sum(d.values()):,.0f}** | {m['holderPss'] / max(1, m['holders']):,.0f} |")
        out += ["", f"nat adds {sum(per.values()) - sum(perb.values()):,.0f} KiB of kernel memory "
                "per idle user over loopback.", ""]
        for name, d in (("nat", nat), ("loopback", loop)):
            if d["fail"]:
                out.append(f"**{name}: stopped at login {d['fail'][0]}** (PAM code {d['fail'][1]}).")
    text = read(os.path.join(raw, "net-iperf"))
    if text:
        runs = {"nat": [], "veth": []}
        for line in text.splitlines():
            f = line.split()
            if len(f) == 2 and f[0] in runs:
                runs[f[0]].append(int(f[1]) / 1e9)
        if runs["nat"] and runs["veth"]:
            mn, mv = statistics.median(runs["nat"]), statistics.median(runs["veth"])
            out += ["#### Bulk TCP (iperf3), Gbit/s", "",
                    "A paddock's user to the test upstream (eth0, the host's pdk end, forwarding, "
                    "the inet paddock table, masquerade, the upstream veth) against the same "
                    "transfer between two namespaces joined by one plain veth; rounds alternated; "
                    "median [min-max].", "",
                    "| path | Gbit/s | rounds |", "|---|---|---|",
                    f"| paddock (nat) to upstream | {mn:.2f} [{min(runs['nat']):.2f}-{max(runs['nat']):.2f}] | {len(runs['nat'])} |",
                    f"| plain veth | {mv:.2f} [{min(runs['veth']):.2f}-{max(runs['veth']):.2f}] | {len(runs['veth'])} |",
                    "", f"nat reaches {100 * mn / mv:.0f}% of the plain veth.", ""]
    return out


def main():
    raw, results = sys.argv[1], sys.argv[2]
    lines = ["## Figures of the latest run", ""]
    when = (read(os.path.join(raw, "date")) or "").strip()
    lines += [f"Run {when} with:", "```", (read(os.path.join(raw, "command")) or "").strip(), "```", ""]
    lines += (read(os.path.join(raw, "machine.md")) or "").splitlines() + [""]
    lines += lat_section(raw, "lat-first", "Login latency through PAM, first login (a fresh paddock each time)")
    lines += lat_section(raw, "lat-join", "Login latency through PAM, joining login (the user's paddock is live)")
    prestart = (read(os.path.join(raw, "spare-prestart")) or "").strip()
    if prestart:
        lines += lat_section(raw, "spare-first",
                             f"First login with spare paddocks (prestart = {prestart}) against none",
                             f"A: prestart = {prestart}", "B: prestart = 0 (as shipped)",
                             "A-B, pair by pair")
    builds = (read(os.path.join(raw, "ab-builds")) or "").split()
    if len(builds) == 2:
        for mode, what in (("first", "first login"), ("join", "joining login")):
            lines += lat_section(raw, f"ab-{mode}", f"Two builds side by side, {what}",
                                 f"A: {builds[0]}", f"B: {builds[1]}", "A-B, pair by pair")
    lines += peers_section(raw)
    lines += scale_section(raw)
    lines += metrics_section(raw)
    lines += net_section(raw)
    text = "\n".join(lines)
    print(text)
    old = read(results) or ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        new = head + BEGIN + "\n" + text + "\n" + END + tail
    else:
        new = ("# paddock benchmarks\n\n`make bench` writes the section between the markers; "
               "the rest is kept.\n\n" + BEGIN + "\n" + text + "\n" + END + "\n" + old)
    with open(results, "w") as f:
        f.write(new)


if __name__ == "__main__":
    main()
