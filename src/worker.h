/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The readonly_guard background worker (worker.c).
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_WORKER_H
#define READONLY_GUARD_WORKER_H

#include "readonly_guard.h"

ROG_HIDDEN_BEGIN

extern void rog_register_worker(void);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_WORKER_H */
