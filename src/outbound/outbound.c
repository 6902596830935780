#include "outbound.h"

#include "sigv4_lib.h"

const luaL_Reg outbound_modules[] = {
  {"lambda.sigv4", luaopen_lambda_sigv4},
  {NULL, NULL}
};
