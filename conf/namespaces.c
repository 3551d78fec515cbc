/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "namespaces.h"

#include <sched.h>

const NsType ns_types[NS_COUNT] = {
	[NS_MNT] = { "mnt", "mount", "mnt_ns", CLONE_NEWNS, 3 },
	[NS_PID] = { "pid", "pid", "pid_ns", CLONE_NEWPID, 5 },
	[NS_IPC] = { "ipc", "ipc", "ipc_ns", CLONE_NEWIPC, 2 },
	[NS_UTS] = { "uts", "uts", "uts_ns", CLONE_NEWUTS, 10 },
	[NS_NET] = { "net", "net", "net_ns", CLONE_NEWNET, 4 },
};

const char *ns_name(unsigned i)
{
	return i < NS_COUNT ? ns_types[i].name : NULL;
}
