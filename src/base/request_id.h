/* Request ids as Lambda makes them: random (version 4) UUIDs. */
#ifndef LUA_LAMBDA_REQUEST_ID_H
#define LUA_LAMBDA_REQUEST_ID_H

/* Writes a UUID such as "8476a536-e9f4-4a89-9e1f-2b1f0d8c1e2a". */
void request_id_make (char out[40]);

#endif
