/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The links of a nat paddock over rtnetlink (libmnl). */
#include "net-link.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../conf/macro.h"

/* One message, or one datagram of answers (libmnl's own size is not a constant). */
#define NL_BUF 8192

typedef struct Nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
} Nl;

static int nl_open(Nl *nl)
{
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return negative_errno();
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return -e;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

static void nl_close(Nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* A request with NLM_F_ACK: send it and wait for the kernel's answer. */
static int nl_talk(Nl *nl, struct nlmsghdr *nlh)
{
	char buf[NL_BUF];
	ssize_t n;
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return negative_errno();
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return negative_errno();
		r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, NULL, NULL);
		if (r < 0)
			return negative_errno();
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, struct ifinfomsg **ret)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	*ret = mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	(*ret)->ifi_family = AF_UNSPEC;
	return nlh;
}

/*
 * One transmit and one receive queue for an end of the pair.  Left out, a
 * veth gets one per possible CPU and drops to one at once, and that drop
 * waits for an expedited RCU grace period inside the request: most of a
 * nat login's kernel time (tests/bench/RESULTS.md, the kernel floor of a
 * nat paddock's network).  A paddock's traffic is one user's: one queue.
 */
static void link_one_queue(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
}

static int create_veth(Nl *nl, const char *host_if, int netns_fd)
{
	char buf[NL_BUF];
	struct ifinfomsg *ifi, *peer;
	struct nlattr *linkinfo, *data, *peer_attr;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, host_if);
	link_one_queue(nlh);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's ifinfomsg, then its attributes, inside VETH_INFO_PEER. */
	peer = (struct ifinfomsg *)mnl_nlmsg_get_payload_tail(nlh);
	memset(peer, 0, sizeof(*peer));
	peer->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*peer));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, NET_PEER_NAME);
	link_one_queue(nlh);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	mnl_attr_nest_end(nlh, peer_attr);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_talk(nl, nlh);
}

static int link_set_up(Nl *nl, unsigned ifindex)
{
	char buf[NL_BUF];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, &ifi);

	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, nlh);
}

static int addr_add(Nl *nl, unsigned ifindex, const NetCidr *a)
{
	char buf[NL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t len = a->family == AF_INET ? 4 : 16;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->addr);
	if (a->family == AF_INET6)
		/* No duplicate address detection on a point-to-point pair: the
		 * address works at once. */
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return nl_talk(nl, nlh);
}

static int route_default(Nl *nl, unsigned ifindex, const NetCidr *gw)
{
	char buf[NL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = gw->family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, gw->family == AF_INET ? 4 : 16, gw->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_talk(nl, nlh);
}

static int link_del(Nl *nl, const char *name)
{
	char buf[NL_BUF];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, &ifi);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh);
}

int net_link_remove(const char *host_if)
{
	Nl nl = { 0 };
	int r;

	r = nl_open(&nl);
	if (r < 0)
		return r;
	r = link_del(&nl, host_if);
	nl_close(&nl);
	return r == -ENODEV ? 0 : r;
}

int net_link_rename(const char *from, const char *to)
{
	char buf[NL_BUF];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	unsigned idx = if_nametoindex(from);
	Nl nl = { 0 };
	int r;

	if (idx == 0)
		return negative_errno();
	r = nl_open(&nl);
	if (r < 0)
		return r;
	nlh = link_msg(buf, RTM_NEWLINK, 0, &ifi);
	ifi->ifi_index = (int)idx;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, to);
	r = nl_talk(&nl, nlh);
	nl_close(&nl);
	return r;
}

/* Inside the paddock: lo and eth0 up, eth0's addresses, the default
 * routes.  The socket is opened in the paddock's namespace (a netlink
 * socket acts in the namespace it was made in); we return to ours. */
static int inside(int netns_fd, const NetAddrs *a)
{
	_cleanup_(closep) int self = -EBADF;
	Nl nl = { 0 };
	unsigned eth, lo;
	int r;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return negative_errno();
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return negative_errno();
	r = nl_open(&nl);
	eth = if_nametoindex(NET_PEER_NAME);
	lo = if_nametoindex("lo");
	if (setns(self, CLONE_NEWNET) < 0)
		r = negative_errno(); /* we cannot be left in the paddock's */
	if (r < 0 || eth == 0 || lo == 0) {
		nl_close(&nl);
		return r < 0 ? r : -ENODEV;
	}
	r = link_set_up(&nl, lo);
	if (r >= 0)
		r = addr_add(&nl, eth, &a->peer4);
	if (r >= 0 && a->peer6.family)
		r = addr_add(&nl, eth, &a->peer6);
	if (r >= 0)
		r = link_set_up(&nl, eth);
	if (r >= 0) {
		NetCidr gw4 = a->host4;

		gw4.prefix = 32;
		r = route_default(&nl, eth, &gw4);
	}
	if (r >= 0 && a->host6.family) {
		NetCidr gw6 = a->host6;

		gw6.prefix = 128;
		r = route_default(&nl, eth, &gw6);
	}
	nl_close(&nl);
	return r;
}

int net_link_up(const char *host_if, int netns_fd, const NetAddrs *a)
{
	Nl nl = { 0 };
	unsigned idx;
	int r;

	r = nl_open(&nl);
	if (r < 0)
		return r;
	r = create_veth(&nl, host_if, netns_fd);
	if (r == -EEXIST && link_del(&nl, host_if) >= 0)
		/* An earlier paddock's, left behind: only then a second try. */
		r = create_veth(&nl, host_if, netns_fd);
	if (r < 0)
		goto out;
	idx = if_nametoindex(host_if);
	if (idx == 0) {
		r = negative_errno();
		goto fail;
	}
	r = addr_add(&nl, idx, &a->host4);
	if (r >= 0 && a->host6.family)
		r = addr_add(&nl, idx, &a->host6);
	if (r >= 0)
		r = link_set_up(&nl, idx);
	if (r >= 0)
		r = inside(netns_fd, a);
	if (r >= 0)
		goto out;
fail:
	(void)link_del(&nl, host_if);
out:
	nl_close(&nl);
	return r;
}
