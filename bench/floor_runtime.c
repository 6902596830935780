/*
** bench_floor: the physical floor of the Runtime API loop. A runtime in a
** few lines of raw sockets that echoes each event: no Lua, no JSON, no
** libcurl. bench_floor_curl (floor_curl.c) does the same HTTP through
** libcurl.
*/
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[8 << 20];
static size_t have;

static void fill (int fd) {
  ssize_t n = read(fd, buf + have, sizeof(buf) - have);
  if (n <= 0)
    exit(0);
  have += (size_t)n;
}

static void send_all (int fd, const char *s, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    if (n <= 0)
      exit(1);
    s += n;
    len -= (size_t)n;
  }
}

/* Reads one reply: its request id into id, its body's offset and size. */
static size_t read_reply (int fd, char *id, size_t *body_at, size_t *len) {
  char *end, *p;
  size_t head;
  *len = 0;
  while ((end = memmem(buf, have, "\r\n\r\n", 4)) == NULL)
    fill(fd);
  head = (size_t)(end - buf) + 4;
  for (p = buf; p < end;) {
    char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
    if (strncasecmp(p, "Content-Length:", 15) == 0)
      *len = strtoul(p + 15, NULL, 10);
    else if (id != NULL &&
             strncasecmp(p, "Lambda-Runtime-Aws-Request-Id:", 30) == 0)
      sscanf(p + 30, " %63s", id);
    p = eol + 2;
  }
  while (have < head + *len)
    fill(fd);
  *body_at = head;
  return head + *len;
}

int main (void) {
  const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
  struct sockaddr_in addr;
  char host[64], head[256], id[64];
  int port, fd, one = 1;
  if (api == NULL || sscanf(api, "%63[^:]:%d", host, &port) != 2)
    return 2;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, host, &addr.sin_addr);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
    return 1;
  for (;;) {
    size_t at, len, used;
    int n;
    static const char next[] =
      "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, next, sizeof(next) - 1);
    used = read_reply(fd, id, &at, &len);
    n = snprintf(head, sizeof(head),
                 "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1"
                 "\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n", id, len);
    send_all(fd, head, (size_t)n);
    send_all(fd, buf + at, len);
    memmove(buf, buf + used, have - used);
    have -= used;
    used = read_reply(fd, NULL, &at, &len);          /* the 202 */
    memmove(buf, buf + used, have - used);
    have -= used;
  }
}
