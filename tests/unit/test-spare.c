/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tier: what the spare paddocks pass around as text (pam_module/spare.h):
 * the limits on paddock spare's command line, the name of a spare's cgroup,
 * the shape's key with a network made ahead, and the network record that a
 * claim renames (pam_module/net.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../../conf/units.h"
#include "../../pam_module/net.h"
#include "../../pam_module/spare.h"
#include "tap.h"
#include "tmpdir.h"

static bool same(const CgroupLimits *a, const CgroupLimits *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void test_limits(void)
{
	const CgroupLimits some = { 2147483648, 1610612736, 0, 100, 100, 512 };
	const CgroupLimits none = { UNITS_MAX, UNITS_MAX, UNITS_MAX, UNITS_MAX, 1, UNITS_MAX };
	char buf[SPARE_LIMITS_MAX], longer[SPARE_LIMITS_MAX + 16];
	CgroupLimits got;

	spare_limits_format(&some, buf);
	tap_ok(strcmp(buf, "2147483648,1610612736,0,100,100,512") == 0, "format: %s", buf);
	tap_ok(spare_limits_parse(buf, &got) == 0 && same(&got, &some),
	       "parse gives back what format wrote");
	spare_limits_format(&none, buf);
	tap_ok(spare_limits_parse(buf, &got) == 0 && same(&got, &none),
	       "... also with every limit at UNITS_MAX (%zu bytes)", strlen(buf));
	tap_ok(strlen(buf) < SPARE_LIMITS_MAX, "the longest fits SPARE_LIMITS_MAX");

	tap_ok(spare_limits_parse("1,2,3,4,5", &got) == -EINVAL, "five fields: -EINVAL");
	tap_ok(spare_limits_parse("1,2,3,4,5,6,7", &got) == -EINVAL, "seven fields: -EINVAL");
	tap_ok(spare_limits_parse("1,2,x,4,5,6", &got) == -EINVAL, "a field not a number: -EINVAL");
	tap_ok(spare_limits_parse("1,2,-3,4,5,6", &got) == -EINVAL, "a negative field: -EINVAL");
	tap_ok(spare_limits_parse("", &got) == -EINVAL, "empty: -EINVAL");
	tap_ok(spare_limits_parse("1,,3,4,5,6", &got) == -EINVAL, "an empty field: -EINVAL");
	tap_ok(spare_limits_parse("1,2,3,4,5,6,", &got) == -EINVAL, "a comma at the end: -EINVAL");
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	for (size_t i = 1; i < 6; i++)
		longer[i * 2] = ',';
	tap_ok(spare_limits_parse(longer, &got) == -EINVAL,
	       "six fields, longer than SPARE_LIMITS_MAX: -EINVAL");
}

static void test_cgroup_name(void)
{
	char cg[SPARE_CGROUP_NAME_MAX];

	spare_cgroup_name("0123456789abcdef.fedcba9876543210", cg);
	tap_ok(strcmp(cg, CG_SPARE_PREFIX "fedcba9876543210") == 0, "a ready spare's cgroup: %s",
	       cg);
	spare_cgroup_name("0123456789abcdef.fedcba9876543210.new", cg);
	tap_ok(strcmp(cg, CG_SPARE_PREFIX "fedcba9876543210") == 0,
	       "a spare being made has the same one: %s", cg);
}

static void test_key_network(void)
{
	HolderParams p = { .namespaces = 31,
			   .cgroup_manager = "cgroupfs-v1",
			   .cgroup_parent = "/paddock.slice" };
	char none[SPARE_KEY_LEN + 1], a[SPARE_KEY_LEN + 1], b[SPARE_KEY_LEN + 1],
		a2[SPARE_KEY_LEN + 1];

	spare_key(&p, none);
	p.spare_net = "--pool;10.200.0.0/16;--host-access;dns";
	spare_key(&p, a);
	p.spare_net = "--pool;10.200.0.0/16;--host-access;all";
	spare_key(&p, b);
	p.spare_net = "--pool;10.200.0.0/16;--host-access;dns";
	spare_key(&p, a2);
	tap_ok(strcmp(none, a) != 0, "a network made ahead changes the key (%s, %s)", none, a);
	tap_ok(strcmp(a, b) != 0, "... another network policy another key (%s)", b);
	tap_ok(strcmp(a, a2) == 0, "... the same policy the same key");
}

static void test_net_record(void)
{
	NetRecord in = { .host_if = "pdks7",
			 .address = "10.200.0.15",
			 .peer = "10.200.0.14",
			 .spare = "0123456789abcdef.fedcba9876543210" },
		  out;
	char line[320];
	int fd, dir, n;

	n = net_record_format(&in, line, sizeof(line));
	tap_ok(n > 0 && strcmp(line, "pdks7 10.200.0.15 10.200.0.14 - "
				     "0123456789abcdef.fedcba9876543210\n") == 0,
	       "a spare's record: %.*s", n - 1, line);
	tmpdir_make("test-spare");
	dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = openat(dir, "a-1001", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	tap_ok(fd >= 0 && write(fd, line, (size_t)n) == n,
	       "written as a-1001 (renamed by a claim)");
	tap_ok(net_record_read(dir, 1001, &out) == 0 && memcmp(&in, &out, sizeof(in)) == 0,
	       "read back whole, the spare's name included");
	in.spare[0] = '\0';
	n = net_record_format(&in, line, sizeof(line));
	tap_ok(strcmp(line, "pdks7 10.200.0.15 10.200.0.14 -\n") == 0,
	       "a user's record has four fields: %.*s", n - 1, line);
	close(fd);
	close(dir);
}

int main(void)
{
	test_limits();
	test_cgroup_name();
	test_key_network();
	test_net_record();
	return tap_done();
}
