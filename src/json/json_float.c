#include "json_float.h"

#include <float.h>
#include <stdint.h>
#include <string.h>

/* Every power of ten a double holds exactly. */
static const double exact_tens[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
  1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};
#define MAX_EXACT_TEN 22

/* Below x87's extended precision a single operation is not rounded once. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define EXACT_DOUBLES 1
#else
#define EXACT_DOUBLES 0
#endif

int json_float_parse (const char *s, size_t len, double *out) {
  const char *p = s, *end = s + len;
  uint64_t mantissa = 0;
  int digits = 0, scale = 0, negative = 0;
  double v;
  if (!EXACT_DOUBLES)
    return 0;
  if (p < end && *p == '-') {
    negative = 1;
    p++;
  }
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    if (digits > 0 || *p != '0')
      digits++;
    mantissa = mantissa * 10 + (uint64_t)(*p - '0');
    if (digits > 15)
      return 0;
  }
  if (p < end && *p == '.') {
    for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
      if (digits > 0 || *p != '0')
        digits++;
      mantissa = mantissa * 10 + (uint64_t)(*p - '0');
      scale--;
      if (digits > 15)
        return 0;
    }
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    int exp_negative = 0, exponent = 0;
    p++;
    if (p < end && (*p == '+' || *p == '-'))
      exp_negative = *p++ == '-';
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
      if (exponent > 1000)
        return 0;
      exponent = exponent * 10 + (*p - '0');
    }
    scale += exp_negative ? -exponent : exponent;
  }
  if (p != end || scale < -MAX_EXACT_TEN || scale > MAX_EXACT_TEN)
    return 0;
  /* 15 digits are below 2^53: the mantissa converts exactly. */
  v = (double)mantissa;
  v = scale < 0 ? v / exact_tens[-scale] : v * exact_tens[scale];
  *out = negative ? -v : v;
  return 1;
}

size_t json_float_format (double v, char *out) {
  double magnitude = v < 0 ? -v : v, scaled;
  uint64_t m;
  char digits[24], *q = digits + sizeof(digits), *o = out;
  int k, n;
  /* %g writes these without an exponent; below 1e-3 they are left to it. */
  if (!EXACT_DOUBLES || !(magnitude >= 1e-3 && magnitude < 1e15))
    return 0;
  /* The fewest decimals k for which v is m / 10^k, m an integer below
     10^15: m / 10^k, correctly rounded, is v, so v is the double nearest
     that decimal, and %.15g (which rounds to 15 digits) writes it. */
  for (k = 0;; k++) {
    if (k > MAX_EXACT_TEN)
      return 0;
    scaled = magnitude * exact_tens[k];
    if (scaled >= 1e15)
      return 0;
    m = (uint64_t)scaled;
    if ((double)m == scaled && (double)m / exact_tens[k] == magnitude)
      break;
  }
  /* A product rounded onto an integer one decimal late ends in 0. */
  while (k > 0 && m % 10 == 0) {
    m /= 10;
    k--;
  }
  n = 0;
  do {
    *--q = (char)('0' + m % 10);
    m /= 10;
    n++;
  } while (m != 0);
  if (v < 0)
    *o++ = '-';
  if (n <= k) {  /* 0.00ddd */
    *o++ = '0';
    *o++ = '.';
    memset(o, '0', (size_t)(k - n));
    o += k - n;
    memcpy(o, q, (size_t)n);
    o += n;
  } else {
    memcpy(o, q, (size_t)(n - k));
    o += n - k;
    *o++ = '.';
    if (k == 0) {
      *o++ = '0';
    } else {
      memcpy(o, q + n - k, (size_t)k);
      o += k;
    }
  }
  return (size_t)(o - out);
}
