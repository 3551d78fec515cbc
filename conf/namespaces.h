/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The namespaces a paddock can have, in one table.  Index i is the policy's
 * bit 1u << i (POLICY_NS_*, the holder's --ns), and the order of the
 * records in STATE_DIR/UID/ns/all, of SessionInfo and of audit records.
 * Shared by the module and the helper (conf/ is linked into both, and
 * includes no PAM header).
 */
#pragma once

typedef enum NsIndex {
	NS_MNT,
	NS_PID,
	NS_IPC,
	NS_UTS,
	NS_NET,
	NS_COUNT,
} NsIndex;

typedef struct NsType {
	const char *name;	 /* nsfs: /proc/PID/ns/NAME, and in the records */
	const char *policy_word; /* in `namespaces =`: "mount" for mnt (a contract) */
	const char *audit_field; /* in audit records: "mnt_ns" ... */
	int clone_flag;		 /* CLONE_NEW* */
	unsigned pidfd_ioctl_nr; /* PIDFD_GET_*_NAMESPACE is _IO(0xFF, this) */
} NsType;

extern const NsType ns_types[NS_COUNT];

/* The nsfs name of namespace i ("mnt" ...), NULL when out of range. */
const char *ns_name(unsigned i);
