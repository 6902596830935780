/*
** The context object handed to every handler call:
**   aws_request_id, invoked_function_arn, function_name, function_version,
**   memory_limit_in_mb, log_group_name, log_stream_name, deadline_ms,
**   trace_id, tenant_id, identity, client_context,
**   get_remaining_time_in_millis()
*/
#ifndef LUA_LAMBDA_CONTEXT_H
#define LUA_LAMBDA_CONTEXT_H

#include <stdint.h>

#include <lua.h>

#include "invocation.h"
#include "lua_host.h"

/*
** Pushes the table of fields every context shares. current_deadline is
** read by get_remaining_time_in_millis() when it is called without the
** context (context.get_remaining_time_in_millis()); it must outlive L.
** The time it reports ends margin_ms before the deadline, when the
** runtime stops the handler.
*/
void context_push_shared (lua_State *L, const struct function_info *info,
                          const int64_t *current_deadline, long margin_ms);

/*
** Pushes the context for inv, copying the shared fields from the table
** at shared_idx. When a JSON header (client context, identity) does not
** decode, pushes a message instead and returns non-zero.
*/
int context_push (lua_State *L, int shared_idx,
                  const struct invocation *inv);

#endif
