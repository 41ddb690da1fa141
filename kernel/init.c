// PID 1 of the test VM: mounts what Node needs, runs the test command given on the kernel
// command line after `--`, prints its exit status on a sentinel line the host looks for, and
// reboots (QEMU runs with -no-reboot, so that ends the VM).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void mount_or_warn(const char *src, const char *dst, const char *type) {
  mkdir(dst, 0755);
  if (mount(src, dst, type, 0, NULL) != 0) perror(dst);
}

int main(int argc, char **argv) {
  mount_or_warn("proc", "/proc", "proc");
  mount_or_warn("sysfs", "/sys", "sysfs");
  mount_or_warn("devtmpfs", "/dev", "devtmpfs");
  mount_or_warn("tmpfs", "/tmp", "tmpfs");
  setenv("HOME", "/tmp", 1);
  setenv("PATH", "/bin", 1);
  printf("UAPIGEN-KERNEL: init started\n");
  fflush(stdout);
  int status = 1;
  if (argc > 1) {
    pid_t pid = fork();
    if (pid == 0) {
      execv(argv[1], argv + 1);
      perror("execv");
      _exit(127);
    }
    int ws;
    while (waitpid(pid, &ws, 0) < 0) {
    }
    status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  } else {
    fprintf(stderr, "init: no test command on the kernel command line (after --)\n");
  }
  printf("\nUAPIGEN-KERNEL: exit=%d\n", status);
  fflush(stdout);
  sync();
  reboot(RB_AUTOBOOT);
  return 0;
}
