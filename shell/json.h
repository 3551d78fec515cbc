/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one JSON string writer of the helper's output (status --json and
 * any other JSON it prints).
 */
#pragma once

#include <stdio.h>

/*
 * Write s as a JSON string, quotes included, to f.  The output is always
 * valid UTF-8 and valid JSON whatever s holds: '"' and '\' escaped, control
 * characters (U+0000..U+001F, U+007F) as \uXXXX, valid UTF-8 sequences as
 * they are, and every byte that is not part of one (a user name from NSS
 * need not be UTF-8) as U+FFFD, the replacement character, "\ufffd".
 */
void json_string(FILE *f, const char *s);
