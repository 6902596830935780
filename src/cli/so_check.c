#include "so_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "embedded_files.h"

#define SCRIPT "check-portable.sh"

/*
** Runs the embedded script on path ("sh -c SCRIPT check-portable [--module]
** PATH ARCH"), its stderr gathered into why. The script's exit status, or
** -1.
*/
static int run_check (const char *path, const char *arch, int module,
                      char *why, size_t whylen) {
  const struct embedded_file *f = embedded_file_find(SCRIPT);
  char *script, *argv[8];
  int pipe_fd[2], status, n = 0;
  size_t got = 0;
  pid_t pid;
  if (f == NULL || (script = malloc(f->len + 1)) == NULL) {
    snprintf(why, whylen, "%s is not built in", SCRIPT);
    return -1;
  }
  memcpy(script, f->data, f->len);
  script[f->len] = '\0';
  if (pipe(pipe_fd) != 0) {
    snprintf(why, whylen, "cannot check %s: %s", path, strerror(errno));
    free(script);
    return -1;
  }
  argv[n++] = "sh";
  argv[n++] = "-c";
  argv[n++] = script;
  argv[n++] = SCRIPT;                   /* $0 */
  if (module)
    argv[n++] = "--module";
  argv[n++] = (char *)path;
  argv[n++] = (char *)arch;
  argv[n] = NULL;
  pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(pipe_fd[1], STDERR_FILENO);
    close(pipe_fd[0]);
    execvp("sh", argv);
    _exit(127);
  }
  close(pipe_fd[1]);
  free(script);
  if (pid < 0) {
    close(pipe_fd[0]);
    snprintf(why, whylen, "cannot check %s: %s", path, strerror(errno));
    return -1;
  }
  for (;;) {
    ssize_t r = read(pipe_fd[0], why + got, got + 1 < whylen
                                             ? whylen - got - 1 : 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  why[got] = '\0';
  close(pipe_fd[0]);
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return -1;
  }
  /* one message, without the script's name on each line */
  while (got > 0 && why[got - 1] == '\n')
    why[--got] = '\0';
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int check (const char *path, const char *arch, int module,
                  const char *remedy, char *why, size_t whylen) {
  int rc = run_check(path, arch, module, why, whylen);
  size_t len = strlen(why);
  if (rc == 0)
    return 0;
  if (rc == 127) {
    snprintf(why, whylen, "cannot check %s: no sh", path);
    return -1;
  }
  if (len + strlen(remedy) + 3 < whylen)
    snprintf(why + len, whylen - len, "\n  %s", remedy);
  return rc == 1 ? 1 : -1;
}

int so_check (const char *path, const char *arch, char *why,
              size_t whylen) {
  char remedy[160];
  snprintf(remedy, sizeof(remedy), "build it for Lambda with `lua-lambda "
           "build --docker --arch %s` (Amazon Linux 2023)", arch);
  return check(path, arch, 1, remedy, why, whylen);
}

int bootstrap_check (const char *path, const char *arch, char *why,
                     size_t whylen) {
  return check(path, arch, 0, "use a bootstrap built by lua-lambda's CMake "
               "build (any Linux, docs/deploy.md) or its release", why,
               whylen);
}
