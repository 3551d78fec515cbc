/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's mounts: the steps of setup() (shell/holder.c) that finish
 * the paddock's mount namespace.  Each opens its targets beneath root (an
 * O_PATH fd of "/" from holder_open_root()), follows no symlink, and
 * returns 0 or -errno.
 */
#pragma once

#include "holder-spare.h"

/* An O_PATH fd of our "/", the anchor every mount target is opened
 * beneath, or -errno. */
int holder_open_root(void);

/* Make every mount of ours a slave of the host's: nothing mounted from
 * here on propagates back.  0 or -errno. */
int holder_make_rslave(void);

/* A fresh /proc of our PID namespace, the host's detached.  0 or -errno. */
int holder_mount_proc(int root);

/* Detach our copy of the private STATE_DIR mount, so no paddock's state
 * is visible in ours.  0 or -errno. */
int holder_detach_state_dir(int root);

/* A sysfs of our network namespace on /sys, with the host's cgroup tree
 * kept read-only at /sys/fs/cgroup where it was mounted.  0 or -errno. */
int holder_mount_sys(int root);

/* The private /tmp and /var/tmp (o->private_tmp) and /dev/shm
 * (o->private_ipc), directories of one tmpfs of o->tmp_size; a spare keeps
 * the tmpfs's context in o->tmp_ctx for the claim.  0 or -errno; nothing
 * is mounted unless every mount point exists. */
int holder_mount_private_tmp(int root, HolderOpts *o);

/* A fresh mqueue on /dev/mqueue when o has an IPC namespace and the host
 * has the directory.  0 or -errno. */
int holder_mount_mqueue(int root, const HolderOpts *o);
