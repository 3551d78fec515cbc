/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock's version.  The build passes -DPADDOCK_VERSION from its one
 * definition; this default only serves builds that do not (a unit test
 * compiling a single file).
 */
#pragma once

#ifndef PADDOCK_VERSION
#define PADDOCK_VERSION "0.1.0"
#endif
