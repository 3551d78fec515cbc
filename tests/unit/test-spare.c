/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tier: what the spare paddocks pass around as text (pam_module/spare.h):
 * the limits on paddock spare's command line and the name of a spare's cgroup.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../../conf/units.h"
#include "../../pam_module/spare.h"
#include "tap.h"

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

int main(void)
{
	test_limits();
	test_cgroup_name();
	return tap_done();
}
