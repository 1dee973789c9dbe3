/*-------------------------------------------------------------------------
 *
 * functions.h
 *	  What the SQL functions of functions.c share with those of lag.c.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_FUNCTIONS_H
#define READONLY_GUARD_FUNCTIONS_H

#include "fmgr.h"

#include "readonly_guard.h"

ROG_HIDDEN_BEGIN

extern void rog_require_preload(void);
extern int64 rog_interval_arg_ms(FunctionCallInfo fcinfo, int argno,
								 const char *name, const char *null_hint);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_FUNCTIONS_H */
