/*
** Floats without the C library's arbitrary-precision paths, where that can
** be done exactly: both functions answer 0 for a value they leave to
** strtod / snprintf, and otherwise give bit for bit what those would.
*/
#ifndef LUA_LAMBDA_JSON_FLOAT_H
#define LUA_LAMBDA_JSON_FLOAT_H

#include <stddef.h>

/*
** A JSON number token of s[0..len) (already validated) as a double, if
** its digits fit in 2^53 and its power of ten in 10^22: then one IEEE
** multiplication or division of two exact values is correctly rounded,
** as strtod's answer is (Clinger's fast path). 1 if done, else 0.
*/
int json_float_parse (const char *s, size_t len, double *out);

/*
** The text the codec writes for v (the shortest %.15g / %.16g / %.17g
** that reads back, ".0" added to an integral one) when v has at most 15
** significant digits and writes without an exponent. Its length, or 0.
** out needs 32 bytes.
*/
size_t json_float_format (double v, char *out);

#endif
