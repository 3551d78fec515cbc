/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper's subcommands.  Each returns the process exit status:
 * 0 success, 1 failure (message already printed), 2 usage error.
 */
#pragma once

/* paddock check [--conf PATH] [FILE] */
int cmd_check(int argc, char **argv);

/* paddock explain [--conf PATH] USER */
int cmd_explain(int argc, char **argv);
