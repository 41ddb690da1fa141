// The C reference for bench:runtime: N FIONREAD calls on a pipe; prints nanoseconds per call.
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  int fds[2];
  if (pipe(fds) != 0 || write(fds[1], "hello", 5) != 5) return 1;
  int bytes = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    if (ioctl(fds[0], FIONREAD, &bytes) != 0 || bytes != 5) return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.2f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
