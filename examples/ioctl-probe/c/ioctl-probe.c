// The C twin of src/main.ts: the same ioctls on the same kinds of objects, through the system's
// headers, printed as the same JSON. The test compares the two outputs.
//
//   ioctl-probe [FILE...]   (the arguments and defaults of node dist/main.js)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/userfaultfd.h>

// What src/main.ts sets and writes: values a fresh pty and an empty FIFO never have.
static const struct winsize WINSIZE = { .ws_row = 37, .ws_col = 101, .ws_xpixel = 909, .ws_ypixel = 666 };
enum { FIFO_BYTES = 1000 };

static int first = 1;

// Opens one probe's JSON object; the caller prints its outcome, then end().
static void begin(const char *ioctl_name, unsigned long request, const char *on) {
	printf("%s{\"ioctl\":\"%s\",\"request\":\"0x%lx\",\"on\":", first ? "" : ",", ioctl_name, request);
	first = 0;
	// Paths are printed as JSON strings; those the test passes need no escapes but these.
	putchar('"');
	for (const char *c = on; *c; c++) {
		if (*c == '"' || *c == '\\') putchar('\\');
		putchar(*c);
	}
	putchar('"');
}

static void end(void) { putchar('}'); }

static void failed(int err) { printf(",\"errno\":\"%s\"", strerrorname_np(err)); }

static void unavailable(const char *why, int err) { printf(",\"unavailable\":\"%s: %s\"", why, strerrorname_np(err)); }

static void file_flags(const char *file) {
	begin("FS_IOC_GETFLAGS", (unsigned long)FS_IOC_GETFLAGS, file);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		unavailable("open", errno);
	} else {
		// ioctl_getflags() (fs/ioctl.c) stores an unsigned int, whatever _IOR(..., long) says.
		unsigned int flags = 0;
		if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) failed(errno);
		else printf(",\"value\":%u", flags);
		close(fd);
	}
	end();
}

static void window_size(void) {
	int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int open_errno = errno;
	begin("TIOCSWINSZ", (unsigned long)TIOCSWINSZ, "/dev/ptmx");
	if (fd < 0) unavailable("open", open_errno);
	else if (ioctl(fd, TIOCSWINSZ, &WINSIZE) < 0) failed(errno);
	else printf(",\"value\":null");
	end();
	begin("TIOCGWINSZ", (unsigned long)TIOCGWINSZ, "/dev/ptmx");
	struct winsize ws = { 0 };
	if (fd < 0) unavailable("open", open_errno);
	else if (ioctl(fd, TIOCGWINSZ, &ws) < 0) failed(errno);
	else printf(",\"value\":{\"ws_row\":%u,\"ws_col\":%u,\"ws_xpixel\":%u,\"ws_ypixel\":%u}", ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel);
	end();
	if (fd >= 0) close(fd);
}

static void fifo_bytes(void) {
	begin("FIONREAD", (unsigned long)FIONREAD, "fifo");
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/ioctl-probe-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		unavailable("mkdtemp", errno);
		end();
		return;
	}
	char fifo[4200];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	int fd = -1;
	if (mkfifo(fifo, 0600) < 0) {
		printf(",\"unavailable\":\"mkfifo failed\"");
	} else if ((fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		unavailable("open", errno);
	} else {
		char bytes[FIFO_BYTES];
		memset(bytes, 0x2a, sizeof bytes);
		int count = 0;
		ssize_t written = write(fd, bytes, sizeof bytes);
		if (written < 0) unavailable("write", errno);
		else if (written != FIFO_BYTES) printf(",\"unavailable\":\"write: short\"");
		else if (ioctl(fd, FIONREAD, &count) < 0) failed(errno);
		else printf(",\"value\":%d", count);
		close(fd);
	}
	unlink(fifo);
	rmdir(dir);
	end();
}

static void kvm_version(void) {
	begin("KVM_GET_API_VERSION", (unsigned long)KVM_GET_API_VERSION, "/dev/kvm");
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		unavailable("open", errno);
	} else {
		int version = ioctl(fd, KVM_GET_API_VERSION, 0);
		if (version < 0) failed(errno);
		else printf(",\"value\":%d", version);
		close(fd);
	}
	end();
}

static void userfaultfd(void) {
	int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	int dev_errno = errno;
	int uffd = -1, new_errno = 0;
	begin("USERFAULTFD_IOC_NEW", (unsigned long)USERFAULTFD_IOC_NEW, "/dev/userfaultfd");
	if (dev < 0) {
		unavailable("open", dev_errno);
	} else if ((uffd = ioctl(dev, USERFAULTFD_IOC_NEW, 0)) < 0) {
		new_errno = errno;
		failed(new_errno);
	} else {
		printf(",\"value\":null");
	}
	end();
	begin("UFFDIO_API", (unsigned long)UFFDIO_API, "userfaultfd");
	if (dev < 0) {
		unavailable("open", dev_errno);
	} else if (uffd < 0) {
		unavailable("USERFAULTFD_IOC_NEW", new_errno);
	} else {
		struct uffdio_api api = { .api = UFFD_API, .features = 0 };
		if (ioctl(uffd, UFFDIO_API, &api) < 0) failed(errno);
		else printf(",\"value\":{\"api\":\"0x%llx\",\"features\":\"0x%llx\",\"ioctls\":\"0x%llx\"}", (unsigned long long)api.api, (unsigned long long)api.features, (unsigned long long)api.ioctls);
		close(uffd);
	}
	end();
	if (dev >= 0) close(dev);
}

int main(int argc, char **argv) {
	putchar('[');
	if (argc > 1) {
		for (int i = 1; i < argc; i++) file_flags(argv[i]);
	} else {
		// A new file in the temp directory (removed after), and procfs's /proc/version.
		const char *tmp = getenv("TMPDIR");
		char dir[4096], file[4200];
		snprintf(dir, sizeof dir, "%s/ioctl-probe-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
		snprintf(file, sizeof file, "%s/file", dir);
		int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) close(fd);
		file_flags(file);
		file_flags("/proc/version");
		unlink(file);
		rmdir(dir);
	}
	window_size();
	fifo_bytes();
	kvm_version();
	userfaultfd();
	puts("]");
	return 0;
}
