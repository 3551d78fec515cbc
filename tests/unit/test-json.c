/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The helper's JSON string writer (shell/json.c): every input gives valid
 * JSON in valid UTF-8, valid UTF-8 passes unchanged. */
#include "../../shell/json.c"

#include <string.h>

#include "tap.h"

static const struct {
	const char *in, *out, *what;
} cases[] = {
	{ "alice", "\"alice\"", "plain ASCII" },
	{ "", "\"\"", "empty" },
	{ "a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash escaped" },
	{ "a\nb\tc\x1b\x7f", "\"a\\u000ab\\u0009c\\u001b\\u007f\"", "control characters as \\u" },
	{ "j\xc3\xbcrgen", "\"j\xc3\xbcrgen\"", "valid 2-byte UTF-8 kept" },
	{ "\xe6\x97\xa5\xf0\x9f\x90\x8e", "\"\xe6\x97\xa5\xf0\x9f\x90\x8e\"",
	  "3- and 4-byte kept" },
	{ "a\xffz", "\"a\\ufffdz\"", "a stray byte is U+FFFD" },
	{ "\xc3", "\"\\ufffd\"", "a truncated sequence at the end" },
	{ "\xc3(", "\"\\ufffd(\"", "a lead byte without its continuation" },
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"", "an overlong '/' is two bad bytes" },
	{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"", "a 3-byte overlong" },
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "an encoded surrogate" },
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "above U+10FFFF" },
	{ "\x80x", "\"\\ufffdx\"", "a lone continuation byte" },
	{ "\xe2\x80\xa8", "\"\xe2\x80\xa8\"", "U+2028 is valid JSON as it is" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		json_string(f, cases[i].in);
		fclose(f);
		if (!tap_ok(strcmp(buf, cases[i].out) == 0, "json_string: %s", cases[i].what))
			tap_diag("got %s", buf);
		free(buf);
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
