#include "outbound.h"

#include "fetch_lib.h"
#include "sigv4_lib.h"

const luaL_Reg outbound_modules[] = {
  {"lambda.fetch", luaopen_lambda_fetch},
  {"lambda.sigv4", luaopen_lambda_sigv4},
  {NULL, NULL}
};
