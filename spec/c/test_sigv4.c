/* sigv4.c without Lua: whole requests against AWS's reference signatures
   (spec/fixtures/sigv4), x-amz-date against gmtime, URLs split as
   sign.lua's split_url splits them, the kept signing keys against keys
   derived afresh, and the paths that allocate (many headers, long names,
   a long secret). */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "sigv4.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define VANILLA_TIME 1440938160  /* 2015-08-30T12:36:00Z */

static void base_input (struct sigv4_input *in, char date[17]) {
  memset(in, 0, sizeof(*in));
  in->url = "https://example.amazonaws.com/";
  in->url_len = strlen(in->url);
  in->service = "service";
  in->service_len = 7;
  in->region = "us-east-1";
  in->region_len = 9;
  in->access_key_id = AKID;
  in->access_key_id_len = strlen(AKID);
  in->secret = SECRET;
  in->secret_len = strlen(SECRET);
  in->normalize_path = in->encode_path = -1;
  CHECK(sigv4_amz_date(VANILLA_TIME, date) == 0);
  in->amz_date = date;
  in->amz_date_len = 16;
}

static void test_reference (struct sigv4_signer *s) {
  struct sigv4_input in;
  struct sigv4_signed out;
  struct sigv4_header h[3];
  char date[17];
  sigv4_signed_init(&out);
  base_input(&in, date);                       /* get-vanilla */
  CHECK(sigv4_sign(s, &in, &out) == 0);
  CHECK_STR(out.signature,
    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  CHECK_STR(out.canonical.data, "GET\n/\n\nhost:example.amazonaws.com\n"
    "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  in.token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  in.token_len = strlen(in.token);               /* ...-with-session-token */
  CHECK(sigv4_sign(s, &in, &out) == 0);
  CHECK_STR(out.authorization.data, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
    "20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;"
    "x-amz-security-token, Signature="
    "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
  CHECK(out.add_token && !out.add_content_sha256);
  base_input(&in, date);              /* post-x-www-form-urlencoded-parameters */
  in.method = "post";
  in.method_len = 4;
  in.body = "Param1=value1";
  in.body_len = 13;
  in.sign_payload = 1;
  h[0] = (struct sigv4_header){ "Content-Type", 12,
    "application/x-www-form-urlencoded; charset=utf-8", 48 };
  h[1] = (struct sigv4_header){ "Host", 4, "example.amazonaws.com", 21 };
  h[2] = (struct sigv4_header){ "Content-Length", 14, "13", 2 };
  in.headers = h;
  in.n_headers = 3;
  CHECK(sigv4_sign(s, &in, &out) == 0);
  CHECK_STR(out.signature,
    "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422");
  CHECK(out.add_content_sha256);
  base_input(&in, date);                       /* get-slashes-normalized */
  in.url = "https://example.amazonaws.com//example//";
  in.url_len = strlen(in.url);
  CHECK(sigv4_sign(s, &in, &out) == 0);
  CHECK_STR(out.signature,
    "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84");
  in.url = "no-scheme/";
  in.url_len = strlen(in.url);
  CHECK(sigv4_sign(s, &in, &out) == -2);
  sigv4_signed_free(&out);
}

static void test_dates (void) {
  char got[17], want[32];
  int64_t samples[] = { 0, 59, 86399, 86400, 951782400 /* 2000-02-29 */,
    VANILLA_TIME, 4107542399 /* 2100-02-28T23:59:59 */, 253402300799 };
  size_t i;
  unsigned seed = 28;
  for (i = 0; i < 20000; i++) {
    int64_t t = i < 8 ? samples[i]
      : (int64_t)(((uint64_t)rand_r(&seed) << 31 ^ (uint64_t)rand_r(&seed)) %
                  253402300800ULL);
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(want, sizeof(want), "%Y%m%dT%H%M%SZ", &tm);
    if (sigv4_amz_date(t, got) != 0 || strcmp(got, want) != 0) {
      CHECK_STR(got, want);
      break;
    }
  }
  CHECK(sigv4_amz_date(-1, got) == -1);
  CHECK(sigv4_amz_date(253402300800, got) == -1);
}

static void check_url (const char *url, int rc, const char *authority,
                       const char *path, const char *query) {
  struct sigv4_url u;
  char a[128], p[128], q[128];
  CHECK(sigv4_split_url(url, strlen(url), &u) == rc);
  if (rc != 0)
    return;
  snprintf(a, sizeof(a), "%.*s", (int)u.authority_len, u.authority);
  snprintf(p, sizeof(p), "%.*s", (int)u.path_len, u.path);
  snprintf(q, sizeof(q), "%.*s", (int)u.query_len, u.query);
  CHECK_STR(a, authority);
  CHECK_STR(p, path);
  CHECK_STR(q, query);
}

static void test_urls (void) {
  check_url("https://Example.com:443/a%20b?x=1", 0, "Example.com", "/a%20b",
            "x=1");
  check_url("http://u:p@127.0.0.1:8080", 0, "127.0.0.1:8080", "/", "");
  check_url("HTTP://h:80?q#f?g", 0, "h", "/", "q");
  check_url("https://h:80/", 0, "h:80", "/", "");
  check_url("https://a@b@h:0443#x", 0, "h:0443", "/", "");
  check_url("s3+x.y-z://h:/p?", 0, "h:", "/p", "");
  check_url("https://h:443x/", 0, "h:443x", "/", "");
  check_url("not a url", -1, "", "", "");
  check_url("1http://h/", -1, "", "", "");
  check_url("https://:443/", -1, "", "", "");
  check_url("https://user@/", -1, "", "", "");
  check_url("https:/h/", -1, "", "", "");
}

/* Each combination differs from the first in one part (the region and
   the service by where they split), taken 2 to 6 at a time, round after
   round, signed on s (keys kept, 4 of them) and on a fresh signer: the
   same. */
static void test_kept_keys (struct sigv4_signer *s) {
  static const char *const combos[6][4] = {
    { SECRET, "20150830", "us-east-1", "s3" },
    { SECRET, "20150831", "us-east-1", "s3" },
    { "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", "20150830", "us-east-1", "s3" },
    { SECRET, "20150830", "us-east-2", "s3" },
    { SECRET, "20150830", "us-east-1", "s4" },
    { SECRET, "20150830", "us-east-", "1s3" },
  };
  char hex[65], want[65];
  size_t size, i;
  int round;
  for (size = 2; size <= 6; size++) {
    for (round = 0; round < 3; round++) {
      for (i = 0; i < size; i++) {
        const char *const *c = combos[i];
        struct sigv4_signer *fresh = sigv4_signer_new();
        CHECK(fresh != NULL);
        CHECK(sigv4_signature(fresh, c[0], strlen(c[0]), c[1], c[2],
                              strlen(c[2]), c[3], strlen(c[3]), "to sign", 7,
                              want) == 0);
        sigv4_signer_free(fresh);
        CHECK(sigv4_signature(s, c[0], strlen(c[0]), c[1], c[2], strlen(c[2]),
                              c[3], strlen(c[3]), "to sign", 7, hex) == 0);
        CHECK_STR(hex, want);
      }
    }
  }
}

/* 40 headers with long names (over the stack's room for them), repeated
   names among them, a secret over HMAC's 64-byte block. */
static void test_large (struct sigv4_signer *s) {
  struct sigv4_input in;
  struct sigv4_signed out;
  struct sigv4_header h[40];
  char names[40][64], date[17], secret[100];
  size_t i;
  sigv4_signed_init(&out);
  base_input(&in, date);
  for (i = 0; i < 40; i++) {
    memset(names[i], 'A' + (int)(i % 20), 40);
    snprintf(names[i] + 40, 24, "-%02u", (unsigned)(i % 20));
    h[i] = (struct sigv4_header){ names[i], strlen(names[i]), " v  x ", 6 };
  }
  in.headers = h;
  in.n_headers = 40;
  memset(secret, 's', sizeof(secret));
  in.secret = secret;
  in.secret_len = sizeof(secret);
  CHECK(sigv4_sign(s, &in, &out) == 0);
  /* 20 names, each twice, its values joined in order */
  CHECK(strstr(out.canonical.data, "-00:v x,v x\n") != NULL);
  CHECK(out.signed_headers.len == 20 * 43 + 4 + 10 + 21);
  sigv4_signed_free(&out);
}

int main (void) {
  struct sigv4_signer *s = sigv4_signer_new();
  CHECK(s != NULL);
  test_reference(s);
  test_dates();
  test_urls();
  test_kept_keys(s);
  test_large(s);
  sigv4_signer_free(s);
  return check_report();
}
