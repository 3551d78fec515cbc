/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prefixes of the network keys: strict parsing and one canonical form. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "units.h"

/* Whether bit i (from the most significant of addr[0]) is set. */
static bool bit_set(const uint8_t *addr, unsigned i)
{
	return addr[i / 8] & (0x80u >> (i % 8));
}

int netaddr_parse_cidr(const char *s, int family, NetCidr *ret)
{
	char text[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned bits;
	NetCidr c = { 0 };
	uint64_t prefix;

	if (n == 0 || n >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, n);
	text[n] = '\0';
	if ((family == 0 || family == AF_INET) && inet_pton(AF_INET, text, c.addr) == 1)
		c.family = AF_INET;
	else if ((family == 0 || family == AF_INET6) && inet_pton(AF_INET6, text, c.addr) == 1)
		c.family = AF_INET6;
	else
		return -EINVAL;
	bits = c.family == AF_INET ? 32 : 128;
	prefix = bits;
	if (slash && (units_parse_u64(slash + 1, &prefix) < 0 || prefix > bits))
		return -EINVAL;
	c.prefix = (uint8_t)prefix;
	for (unsigned i = c.prefix; i < bits; i++)
		if (bit_set(c.addr, i))
			return -EINVAL;
	*ret = c;
	return 0;
}

int netaddr_parse_list(const char *s, bool allow_any, unsigned max, NetCidrList *ret)
{
	NetCidrList l = { 0 };

	if (allow_any && strcmp(s, "any") == 0) {
		l.any = true;
		*ret = l;
		return 0;
	}
	s += strspn(s, " \t");
	if (*s == '\0')
		return -EINVAL;
	while (*s) {
		char word[INET6_ADDRSTRLEN + 8];
		size_t n = strcspn(s, " \t");

		if (l.n >= max || l.n >= NET_CIDRS_MAX)
			return -ERANGE;
		if (n >= sizeof(word))
			return -EINVAL;
		memcpy(word, s, n);
		word[n] = '\0';
		if (netaddr_parse_cidr(word, 0, &l.c[l.n]) < 0)
			return -EINVAL;
		l.n++;
		s += n;
		s += strspn(s, " \t");
	}
	*ret = l;
	return 0;
}

void netaddr_format(const NetCidr *c, bool with_prefix, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	size_t n;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (c->family != AF_INET && c->family != AF_INET6)
		return;
	if (!inet_ntop(c->family, c->addr, text, sizeof(text)))
		return;
	n = strlen(text);
	if (n >= len)
		return;
	memcpy(buf, text, n + 1);
	if (with_prefix) {
		char p[8];
		size_t m;

		m = (size_t)snprintf(p, sizeof(p), "/%u", (unsigned)c->prefix);
		if (n + m < len)
			memcpy(buf + n, p, m + 1);
	}
}

bool netaddr_contains(const NetCidr *a, const NetCidr *b)
{
	if (a->family != b->family || a->family == 0 || a->prefix > b->prefix)
		return false;
	for (unsigned i = 0; i < a->prefix; i++)
		if (bit_set(a->addr, i) != bit_set(b->addr, i))
			return false;
	return true;
}

bool netaddr_is_loopback(const NetCidr *a)
{
	static const uint8_t one6[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->addr[0] == 127;
	return a->family == AF_INET6 && memcmp(a->addr, one6, 16) == 0;
}
