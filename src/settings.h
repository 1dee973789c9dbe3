/*-------------------------------------------------------------------------
 *
 * settings.h
 *	  readonly_guard.enabled and .message as they apply to this session,
 *	  live; readonly_guard.exempt_roles (settings.c).
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_SETTINGS_H
#define READONLY_GUARD_SETTINGS_H

#include "utils/guc.h"

#include "readonly_guard.h"

ROG_HIDDEN_BEGIN

/* the GUCs' variables (made GUCs by _PG_init() in readonly_guard.c) */
extern bool rog_setting_enabled;
extern char *rog_message;
extern char *rog_exempt_roles;

/* is this session read-only through readonly_guard.enabled? */
extern bool rog_session_read_only;

struct config_generic;
extern struct config_generic *rog_find_guc(const char *name);
extern void rog_find_guc_record(void);
extern void rog_settings_assign_enabled(bool newval);
extern bool rog_refresh_session(void);
extern const char *rog_session_source(void);
extern const char *rog_session_message(void);
extern bool rog_database_setting_on(void);
extern char *rog_database_message(void);
extern bool rog_check_exempt_roles(char **newval, void **extra, GucSource source);
extern bool rog_session_exempt(void);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_SETTINGS_H */
