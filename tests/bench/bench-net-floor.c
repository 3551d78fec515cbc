/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-net-floor: the kernel floor of a nat paddock's network.  The same
 * kernel objects paddock-net up makes (shell/net-link.c, shell/net-nfnl.c),
 * made the shortest way from a process that is already running: no exec, no
 * paddock code, no name lookups (the links get the interface indexes asked
 * for), the rtnetlink and nfnetlink sockets of the host opened once.
 *
 * For each line on stdin, three ways in turn, each on a fresh target network
 * namespace (unshare, its fd kept, back to ours: timed apart as "netns new",
 * a loopback paddock has one too), each timed step by step (wall and the
 * thread's CPU): the lines "WAY STEP WALL_NS CPU_NS" on stdout, then ".":
 *
 *   steps: one acknowledged request per object, in paddock's order: the veth
 *          (the peer created in the target, IFLA_NET_NS_FD), the host end's
 *          /31, the host end up; a socket in the target (setns there in this
 *          thread, socket, setns back); lo up, eth0's /31, eth0 up, the
 *          default route; the set elements in one nfnetlink batch (libnftnl);
 *          then the teardown: the elements deleted (one batch), the host
 *          end deleted.
 *   batch: the fewest sends: the veth created with its host end up and
 *          the host end's /31 in one datagram; the same socket in the
 *          target; lo up, eth0's /31, eth0 up and the route in one
 *          datagram; the same elements and teardown.
 *   batch1q: the same, the veth's ends made with one queue each
 *          (IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES).
 *
 * The elements are those of paddock-net up with net-up's arguments (--pool
 * 10.200.0.0/16 --deny 169.254.0.0/16 --allow any --host-access dns, no
 * stub): pool4's interval, host4 -> jump host_dns, any4, deny4's range;
 * table inet paddock must exist.  Run as root in a network namespace of
 * its own (tests/bench/net-up's nest), never on the machine's network.
 *
 *   bench-net-floor < rounds
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF	      16384
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define HOST_IF	      "pdkfloor"
/* Free in the nest (its few links are numbered from 1); the peer's in a
 * fresh namespace, where lo is 1. */
#define HOST_IDX 7000
#define PEER_IDX 2
#define LO_IDX	 1
/* The last slot of 10.200.0.0/16, far from those paddock-net takes. */
#define HOST4 "10.200.255.254"
#define PEER4 "10.200.255.255"

typedef struct Sock {
	struct mnl_socket *s;
	unsigned portid, seq;
} Sock;

static int self_ns = -1;
static uint8_t host4[4], peer4[4];

static void die(const char *what, int e)
{
	fprintf(stderr, "bench-net-floor: %s: %s\n", what, strerror(e));
	exit(1);
}

static int64_t ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t t_wall, t_cpu;
static const char *way;

static void mark(void)
{
	t_wall = ns_of(CLOCK_MONOTONIC);
	t_cpu = ns_of(CLOCK_THREAD_CPUTIME_ID);
}

/* The time since the last mark() or lap() as STEP's. */
static void lap(const char *step)
{
	int64_t w = ns_of(CLOCK_MONOTONIC), c = ns_of(CLOCK_THREAD_CPUTIME_ID);

	printf("%s %s %" PRId64 " %" PRId64 "\n", way, step, w - t_wall, c - t_cpu);
	t_wall = w;
	t_cpu = c;
}

static void sock_open(Sock *k, int proto)
{
	int one = 1;

	k->s = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!k->s)
		die("socket", errno);
	(void)mnl_socket_setsockopt(k->s, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(k->s, 0, MNL_SOCKET_AUTOPID) < 0)
		die("bind", errno);
	k->portid = mnl_socket_get_portid(k->s);
	k->seq = (unsigned)time(NULL);
}

/* Send len bytes of requests, each with NLM_F_ACK, and read want answers;
 * the first error answered ends the run. */
static void talk(Sock *k, const void *msgs, size_t len, unsigned want, const char *what)
{
	char buf[BUF];
	unsigned got = 0;

	if (mnl_socket_sendto(k->s, msgs, len) < 0)
		die(what, errno);
	while (got < want) {
		ssize_t n = mnl_socket_recvfrom(k->s, buf, sizeof(buf));
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int left = (int)n;

		if (n < 0)
			die(what, errno);
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (e->error < 0)
				die(what, -e->error);
			got++;
		}
	}
}

/* Messages appended one after another into one buffer. */
typedef struct Msgs {
	char buf[BUF];
	size_t len;
	unsigned n;
} Msgs;

static struct nlmsghdr *msg(Msgs *m, Sock *k, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(m->buf + m->len);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = ++k->seq;
	return h;
}

static void done(Msgs *m, struct nlmsghdr *h)
{
	m->len += h->nlmsg_len;
	m->n++;
}

static void send_msgs(Sock *k, Msgs *m, const char *what)
{
	talk(k, m->buf, m->len, m->n, what);
	m->len = 0;
	m->n = 0;
}

static void put_link(Msgs *m, Sock *k, uint16_t type, uint16_t flags, int idx, unsigned up)
{
	struct nlmsghdr *h = msg(m, k, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_flags = up;
	ifi->ifi_change = up;
	done(m, h);
}

/* One transmit and one receive queue, the number veth ends up using: a veth
 * made with one per possible CPU drops to one at once, and that drop waits
 * for an expedited RCU grace period under the rtnl lock. */
static void put_one_queue(struct nlmsghdr *h)
{
	mnl_attr_put_u32(h, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(h, IFLA_NUM_RX_QUEUES, 1);
}

/* The veth: HOST_IF here, eth0 in the target; up: the host end up at once
 * (not the peer: veth refuses to open a peer before its pair is joined). */
static void put_veth(Msgs *m, Sock *k, int target, unsigned up, bool one_queue)
{
	struct nlmsghdr *h = msg(m, k, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi)), *peer;
	struct nlattr *info, *data, *pa;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = HOST_IDX;
	ifi->ifi_flags = ifi->ifi_change = up;
	mnl_attr_put_strz(h, IFLA_IFNAME, HOST_IF);
	if (one_queue)
		put_one_queue(h);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	pa = mnl_attr_nest_start(h, VETH_INFO_PEER);
	peer = (struct ifinfomsg *)mnl_nlmsg_get_payload_tail(h);
	memset(peer, 0, sizeof(*peer));
	peer->ifi_family = AF_UNSPEC;
	peer->ifi_index = PEER_IDX;
	h->nlmsg_len += MNL_ALIGN(sizeof(*peer));
	mnl_attr_put_strz(h, IFLA_IFNAME, "eth0");
	if (one_queue)
		put_one_queue(h);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)target);
	mnl_attr_nest_end(h, pa);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	done(m, h);
}

static void put_addr(Msgs *m, Sock *k, int idx, const uint8_t a[4])
{
	struct nlmsghdr *h = msg(m, k, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 31;
	ifa->ifa_index = (unsigned)idx;
	mnl_attr_put(h, IFA_LOCAL, 4, a);
	mnl_attr_put(h, IFA_ADDRESS, 4, a);
	done(m, h);
}

static void put_route(Msgs *m, Sock *k)
{
	struct nlmsghdr *h = msg(m, k, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(h, RTA_GATEWAY, 4, host4);
	mnl_attr_put_u32(h, RTA_OIF, PEER_IDX);
	done(m, h);
}

/* A socket that acts in the target namespace: made there, we come back. */
static void sock_in(Sock *k, int target)
{
	if (setns(target, CLONE_NEWNET) < 0)
		die("setns to the target", errno);
	sock_open(k, NETLINK_ROUTE);
	if (setns(self_ns, CLONE_NEWNET) < 0)
		die("setns back", errno);
}

typedef struct Elem {
	const char *set;
	uint8_t key[8], key_end[8], key_len, key_end_len;
	bool interval_end;
	const char *jump;
} Elem;

/* One batch: a NEWSETELEM (add) or DELSETELEM per set, in order. */
static void elems(Sock *k, const Elem *e, size_t n, bool add)
{
	static char buf[BUF];
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
	unsigned acks = 0;

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), ++k->seq);
	mnl_nlmsg_batch_next(b);
	for (size_t i = 0; i < n;) {
		struct nftnl_set *s = nftnl_set_alloc();
		struct nlmsghdr *h;
		size_t j;

		if (!s)
			die("nftnl_set_alloc", ENOMEM);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, "paddock");
		nftnl_set_set_str(s, NFTNL_SET_NAME, e[i].set);
		for (j = i; j < n && strcmp(e[j].set, e[i].set) == 0; j++) {
			struct nftnl_set_elem *x = nftnl_set_elem_alloc();

			if (!x)
				die("nftnl_set_elem_alloc", ENOMEM);
			nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, e[j].key, e[j].key_len);
			if (e[j].key_end_len)
				nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY_END, e[j].key_end,
						   e[j].key_end_len);
			if (e[j].interval_end)
				nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_FLAGS,
						       NFT_SET_ELEM_INTERVAL_END);
			if (add && e[j].jump) {
				nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_VERDICT,
						       (uint32_t)NFT_JUMP);
				nftnl_set_elem_set_str(x, NFTNL_SET_ELEM_CHAIN, e[j].jump);
			}
			nftnl_set_elem_add(s, x);
		}
		h = nftnl_nlmsg_build_hdr(
			mnl_nlmsg_batch_current(b), add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			NFPROTO_INET, (add ? NLM_F_CREATE : 0) | NLM_F_ACK, ++k->seq);
		nftnl_set_elems_nlmsg_build_payload(h, s);
		nftnl_set_free(s);
		mnl_nlmsg_batch_next(b);
		acks++;
		i = j;
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), ++k->seq);
	mnl_nlmsg_batch_next(b);
	talk(k, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b), acks,
	     add ? "adding the elements" : "deleting the elements");
	mnl_nlmsg_batch_stop(b);
}

static Elem up_elems[7], down_elems[3];
static size_t up_n, down_n;

/* What paddock-net up adds with net-up's arguments (shell/net-nft.c's
 * net_nft_up()), and what its down deletes (all but the pool's). */
static void elems_init(void)
{
	Elem pool = { .set = "pool4", .key_len = 4 };
	Elem deny = { .set = "deny4", .key_len = 8, .key_end_len = 8 };

	up_elems[up_n] = pool; /* 0.0.0.0 up to the pool: not in it */
	up_elems[up_n++].interval_end = true;
	up_elems[up_n] = pool;
	memcpy(up_elems[up_n++].key, (uint8_t[]){ 10, 200, 0, 0 }, 4);
	up_elems[up_n] = pool;
	memcpy(up_elems[up_n].key, (uint8_t[]){ 10, 201, 0, 0 }, 4);
	up_elems[up_n++].interval_end = true;

	down_elems[down_n] = (Elem){ .set = "host4", .key_len = 4, .jump = "host_dns" };
	memcpy(down_elems[down_n++].key, peer4, 4);
	down_elems[down_n] = (Elem){ .set = "any4", .key_len = 4 };
	memcpy(down_elems[down_n++].key, peer4, 4);
	memcpy(deny.key, peer4, 4);
	memcpy(deny.key + 4, (uint8_t[]){ 169, 254, 0, 0 }, 4);
	memcpy(deny.key_end, peer4, 4);
	memcpy(deny.key_end + 4, (uint8_t[]){ 169, 254, 255, 255 }, 4);
	down_elems[down_n++] = deny;
	memcpy(up_elems + up_n, down_elems, sizeof(down_elems));
	up_n += down_n;
}

static Msgs m;

/* The same in both ways: the elements, then the teardown. */
static void elems_and_down(Sock *rt, Sock *nf)
{
	elems(nf, up_elems, up_n, true);
	lap("elements");
	elems(nf, down_elems, down_n, false);
	lap("down-elements");
	put_link(&m, rt, RTM_DELLINK, 0, HOST_IDX, 0);
	send_msgs(rt, &m, "deleting the host end");
	lap("down-link");
}

static void round_steps(Sock *rt, Sock *nf, int target)
{
	Sock in;

	way = "steps";
	mark();
	put_veth(&m, rt, target, 0, false);
	send_msgs(rt, &m, "creating the veth");
	lap("veth");
	put_addr(&m, rt, HOST_IDX, host4);
	send_msgs(rt, &m, "the host end's address");
	lap("host-addr");
	put_link(&m, rt, RTM_NEWLINK, 0, HOST_IDX, IFF_UP);
	send_msgs(rt, &m, "the host end up");
	lap("host-up");
	sock_in(&in, target);
	lap("inside-socket");
	put_link(&m, &in, RTM_NEWLINK, 0, LO_IDX, IFF_UP);
	send_msgs(&in, &m, "lo up");
	lap("lo-up");
	put_addr(&m, &in, PEER_IDX, peer4);
	send_msgs(&in, &m, "eth0's address");
	lap("eth0-addr");
	put_link(&m, &in, RTM_NEWLINK, 0, PEER_IDX, IFF_UP);
	send_msgs(&in, &m, "eth0 up");
	lap("eth0-up");
	put_route(&m, &in);
	send_msgs(&in, &m, "the default route");
	mnl_socket_close(in.s);
	lap("route");
	elems_and_down(rt, nf);
}

static void round_batch_as(Sock *rt, Sock *nf, int target, bool one_queue)
{
	Sock in;

	way = one_queue ? "batch1q" : "batch";
	mark();
	put_veth(&m, rt, target, IFF_UP, one_queue);
	put_addr(&m, rt, HOST_IDX, host4);
	send_msgs(rt, &m, "creating the veth up, the host end's address");
	lap("veth+addr+up");
	sock_in(&in, target);
	lap("inside-socket");
	put_link(&m, &in, RTM_NEWLINK, 0, LO_IDX, IFF_UP);
	put_addr(&m, &in, PEER_IDX, peer4);
	put_link(&m, &in, RTM_NEWLINK, 0, PEER_IDX, IFF_UP);
	put_route(&m, &in);
	send_msgs(&in, &m, "lo up, eth0's address, eth0 up, the route");
	mnl_socket_close(in.s);
	lap("inside");
	elems_and_down(rt, nf);
}

static void round_batch(Sock *rt, Sock *nf, int target)
{
	round_batch_as(rt, nf, target, false);
}

static void round_batch1q(Sock *rt, Sock *nf, int target)
{
	round_batch_as(rt, nf, target, true);
}

/* A fresh network namespace, as a holder's: its fd, and we are back in ours. */
static int new_target(void)
{
	int target;

	way = "netns";
	mark();
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare", errno);
	target = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (target < 0 || setns(self_ns, CLONE_NEWNET) < 0)
		die("the target namespace", errno);
	lap("new");
	return target;
}

int main(void)
{
	void (*const ways[])(Sock *, Sock *, int) = { round_steps, round_batch, round_batch1q };
	char line[64];
	Sock rt, nf;
	unsigned n = 0;

	if (inet_pton(AF_INET, HOST4, host4) != 1 || inet_pton(AF_INET, PEER4, peer4) != 1)
		die("addresses", EINVAL);
	elems_init();
	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_ns < 0)
		die("/proc/self/ns/net", errno);
	sock_open(&rt, NETLINK_ROUTE);
	sock_open(&nf, NETLINK_NETFILTER);
	while (fgets(line, sizeof(line), stdin)) {
		/* Every way in each round, their order turned, each with a
		 * target of its own. */
		for (unsigned i = 0; i < ELEMENTSOF(ways); i++) {
			int target = new_target();

			ways[(i + n) % ELEMENTSOF(ways)](&rt, &nf, target);
			close(target);
		}
		n++;
		printf(".\n");
		fflush(stdout);
	}
	return 0;
}
