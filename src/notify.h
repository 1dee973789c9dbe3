/*-------------------------------------------------------------------------
 *
 * notify.h
 *	  NOTIFY readonly_guard: announcing changes of the mode (notify.c).
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_NOTIFY_H
#define READONLY_GUARD_NOTIFY_H

#include "readonly_guard.h"

ROG_HIDDEN_BEGIN

extern bool rog_notify_state_change(void);
extern void rog_notify_database_scope(bool on, const char *message);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_NOTIFY_H */
