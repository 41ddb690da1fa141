/*
 * The fake kernel's core: ioctl()/close() interposition, fd classification, per-file state,
 * the live-mapping registry, UAPIGEN_FAKE_DMA and the user-memory accessors.
 * See fake-kernel.h for the overview; the drivers are fake-iommufd.c and fake-vfio.c.
 */
#define _GNU_SOURCE
#include "fake-kernel.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

struct fk_ctx *fk_ctxs[FK_MAX_CTX];
static int fk_nctx;
static uint64_t fk_next_cookie = 1;
static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int fk_inside; /* our own close()/ioctl() calls must not recurse */

static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_close)(int);

/* Offsets we stamp on fake files to recognise their open file description: beyond any real
 * content, page-aligned, below ext4's and tmpfs's maximum file size. */
#define FK_COOKIE_BASE (1ULL << 40)
#define FK_COOKIE_STEP 0x1000ULL

static void fk_init_real(void) {
  if (!real_ioctl) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  if (!real_close) real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
}

void fk_trace(const char *fmt, ...) {
  static int on = -1;
  if (on < 0) on = getenv("UAPIGEN_FAKE_TRACE") != NULL;
  if (!on) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("[fake-kernel] ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ------------------------------------------------------------------ classification */

int fk_classify(int fd) {
  static const struct { const char *prefix; int kind; } kinds[] = {
      {"uapigen-fake-iommufd", FK_IOMMUFD},
      {"uapigen-fake-vfio-device", FK_VFIO_DEVICE},
      {"uapigen-fake-vfio-container", FK_VFIO_CONTAINER},
      {"uapigen-fake-vfio-group", FK_VFIO_GROUP},
  };
  if (fd < 0) return FK_NONE;
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return FK_NONE;
  target[n] = 0;
  const char *base = strrchr(target, '/');
  base = base ? base + 1 : target;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strncmp(base, kinds[i].prefix, strlen(kinds[i].prefix)) == 0) return kinds[i].kind;
  return FK_NONE;
}

int fk_fd_valid(int fd) { return fd >= 0 && fcntl(fd, F_GETFD) != -1; }

/* ------------------------------------------------------------------ contexts */

static void fk_gc(void);

static int fk_find_cookie(uint64_t off, int kind) {
  if (off < FK_COOKIE_BASE) return -1;
  for (int i = 0; i < FK_MAX_CTX; i++)
    if (fk_ctxs[i] && fk_ctxs[i]->cookie == off && (kind == FK_NONE || fk_ctxs[i]->kind == kind)) return i;
  return -1;
}

/* Lock held. */
int fk_ctx_for_fd(int fd, int kind) {
  off_t off = lseek(fd, 0, SEEK_CUR);
  if (off == (off_t)-1) return -ENOTTY; /* not a regular file: cannot be one of ours */
  int ci = fk_find_cookie((uint64_t)off, kind);
  if (ci >= 0) return ci;
  fk_gc(); /* a new description: forget the dead ones first */
  for (ci = 0; ci < FK_MAX_CTX && fk_ctxs[ci]; ci++) {
  }
  if (ci == FK_MAX_CTX) return -ENOMEM;
  struct fk_ctx *c = calloc(1, sizeof *c);
  if (!c) return -ENOMEM;
  c->used = 1;
  c->alive = 1; /* its fd is open */
  c->kind = kind;
  c->cookie = FK_COOKIE_BASE + FK_COOKIE_STEP * fk_next_cookie++;
  c->iommufd_ctx = c->group_ctx = c->container_ctx = c->group_iommufd_ctx = -1;
  c->dma_avail = 65535; /* vfio_iommu_type1 dma_entry_limit default (U16_MAX) */
  c->mig_state = VFIO_DEVICE_STATE_RUNNING;
  if (lseek(fd, (off_t)c->cookie, SEEK_SET) == (off_t)-1) {
    free(c);
    return -ENOTTY;
  }
  fk_ctxs[ci] = c;
  fk_nctx++;
  fk_trace("new %s context %d for fd %d",
           kind == FK_IOMMUFD ? "iommufd" : kind == FK_VFIO_DEVICE ? "vfio-device"
           : kind == FK_VFIO_CONTAINER ? "vfio-container" : "vfio-group", ci, fd);
  return ci;
}

static int ctx_ok(int ci) { return ci >= 0 && ci < FK_MAX_CTX && fk_ctxs[ci] && fk_ctxs[ci]->alive; }

/* Which contexts are still referenced: by an open fd, or by another live context the way the
 * kernel holds file references (a bound device holds its iommufd, a device opened through a
 * group holds the group, a group holds its container/iommufd). The rest is released. */
static void fk_gc(void) {
  if (!fk_nctx) return;
  for (int i = 0; i < FK_MAX_CTX; i++)
    if (fk_ctxs[i]) fk_ctxs[i]->alive = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int fd = atoi(e->d_name);
    if (fd == dirfd(d)) continue;
    int kind = fk_classify(fd);
    if (kind == FK_NONE) continue;
    off_t off = lseek(fd, 0, SEEK_CUR);
    int ci = off == (off_t)-1 ? -1 : fk_find_cookie((uint64_t)off, kind);
    if (ci >= 0) fk_ctxs[ci]->alive = 1;
  }
  closedir(d);
  for (int changed = 1; changed;) {
    changed = 0;
    for (int i = 0; i < FK_MAX_CTX; i++) {
      struct fk_ctx *c = fk_ctxs[i];
      if (!c || !c->alive) continue;
      int refs[2] = {-1, -1};
      if (c->kind == FK_VFIO_DEVICE) refs[0] = c->iommufd_ctx, refs[1] = c->group_ctx;
      if (c->kind == FK_VFIO_GROUP) refs[0] = c->container_ctx, refs[1] = c->group_iommufd_ctx;
      for (int r = 0; r < 2; r++)
        if (refs[r] >= 0 && fk_ctxs[refs[r]] && !fk_ctxs[refs[r]]->alive) fk_ctxs[refs[r]]->alive = 1, changed = 1;
    }
  }
  static const int order[] = {FK_VFIO_DEVICE, FK_VFIO_GROUP, FK_VFIO_CONTAINER, FK_IOMMUFD};
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < FK_MAX_CTX; i++) {
      struct fk_ctx *c = fk_ctxs[i];
      if (!c || c->alive || c->kind != order[k]) continue;
      fk_trace("release context %d (its file is closed)", i);
      fk_ctx_release(i);
    }
  for (int i = 0; i < FK_MAX_CTX; i++) {
    if (fk_ctxs[i] && !fk_ctxs[i]->alive) {
      free(fk_ctxs[i]);
      fk_ctxs[i] = NULL;
      fk_nctx--;
    }
  }
}

void fk_ctx_release(int ci) {
  struct fk_ctx *c = fk_ctxs[ci];
  switch (c->kind) {
    case FK_IOMMUFD:
    case FK_VFIO_CONTAINER:
      fk_maps_drop(ci, 0);
      break;
    case FK_VFIO_DEVICE:
      /* vfio_df_unbind_iommufd / vfio_device_group_close */
      if (ctx_ok(c->iommufd_ctx) && c->devid) {
        fk_iommufd_detach(c->iommufd_ctx, c->devid);
        fk_iommufd_unbind(c->iommufd_ctx, c->devid);
      }
      break;
    case FK_VFIO_GROUP:
      /* vfio_group_detach_container: the last group leaving releases the IOMMU driver, which
       * unmaps everything (vfio_iommu_type1_release). */
      if (ctx_ok(c->container_ctx)) {
        int others = 0;
        for (int i = 0; i < FK_MAX_CTX; i++)
          if (i != ci && ctx_ok(i) && fk_ctxs[i]->kind == FK_VFIO_GROUP && fk_ctxs[i]->container_ctx == c->container_ctx) others++;
        if (!others) {
          struct fk_ctx *k = fk_ctxs[c->container_ctx];
          fk_maps_drop(c->container_ctx, 0);
          k->iommu_type = 0;
          k->dirty_tracking = 0;
          k->dma_avail = 65535;
        }
      }
      break;
  }
}

/* ------------------------------------------------------------------ mappings */

static struct fk_map *fk_maps;
static int fk_nmaps;

int fk_map_add(const struct fk_map *m) {
  int i;
  for (i = 0; i < fk_nmaps && fk_maps[i].used; i++) {
  }
  if (i == fk_nmaps) {
    struct fk_map *n = realloc(fk_maps, (size_t)(fk_nmaps + 64) * sizeof *n);
    if (!n) return -ENOMEM;
    memset(n + fk_nmaps, 0, 64 * sizeof *n);
    fk_maps = n;
    fk_nmaps += 64;
  }
  fk_maps[i] = *m;
  fk_maps[i].used = 1;
  return i;
}

struct fk_map *fk_map_at(int i) { return i >= 0 && i < fk_nmaps && fk_maps[i].used ? &fk_maps[i] : NULL; }
int fk_map_count(void) { return fk_nmaps; }
void fk_map_del(int i) { if (fk_map_at(i)) fk_maps[i].used = 0; }

void fk_maps_drop(int ctx, uint32_t ioas) {
  for (int i = 0; i < fk_nmaps; i++)
    if (fk_maps[i].used && fk_maps[i].ctx == ctx && (!ioas || fk_maps[i].ioas == ioas)) fk_maps[i].used = 0;
}

/* UAPIGEN_FAKE_DMA: the device writes one byte into every page (and the last byte) of every
 * live mapping of this iommufd/container; read-only mappings are read. Returns the number of
 * mappings touched. */
static long fk_fake_dma(int ci) {
  long n = 0;
  for (int i = 0; i < fk_nmaps; i++) {
    struct fk_map *m = &fk_maps[i];
    if (!m->used || m->ctx != ci || !m->uaddr || m->vaddr_invalid) continue;
    fk_trace("DMA %s [%#llx, +%#llx) (iova %#llx)", m->prot_write ? "write" : "read",
             (unsigned long long)m->uaddr, (unsigned long long)m->length, (unsigned long long)m->iova);
    fk_dma_touch(m->uaddr, m->length, m->prot_write);
    n++;
  }
  return n;
}

/* UAPIGEN_FAKE_CHECK: mappings whose memory ASan knows is not live, untouched. */
static long fk_fake_check(int ci) {
  long n = 0;
  for (int i = 0; i < fk_nmaps; i++) {
    struct fk_map *m = &fk_maps[i];
    if (m->used && m->ctx == ci && m->uaddr && !m->vaddr_invalid &&
        __asan_region_is_poisoned((void *)(uintptr_t)m->uaddr, m->length))
      n++;
  }
  return n;
}

/* ------------------------------------------------------------------ user memory */

int fk_access_ok(uint64_t uaddr, uint64_t len) {
  return len <= FK_TASK_SIZE_MAX && uaddr <= FK_TASK_SIZE_MAX - len;
}

static int fk_bad(uint64_t uaddr, uint64_t len) {
  if (!len) return 0;
  return uaddr == 0 || !fk_access_ok(uaddr, len);
}

/* An instrumented one-byte access: ASan checks it. */
static uint8_t fk_load8(uint64_t a) { return *(volatile uint8_t *)(uintptr_t)a; }
static void fk_store8(uint64_t a, uint8_t v) { *(volatile uint8_t *)(uintptr_t)a = v; }

int fk_copy_from_user(void *dst, uint64_t usrc, size_t len) {
  if (fk_bad(usrc, len)) return -EFAULT;
  if (dst) {
    memcpy(dst, (const void *)(uintptr_t)usrc, len);
  } else { /* read and discard (large arrays the kernel consumes piecewise) */
    uint8_t scratch[4096];
    for (size_t done = 0; done < len;) {
      size_t n = fk_min(len - done, sizeof scratch);
      memcpy(scratch, (const void *)(uintptr_t)(usrc + done), n);
      done += n;
    }
  }
  return 0;
}

int fk_copy_to_user(uint64_t udst, const void *src, size_t len) {
  if (fk_bad(udst, len)) return -EFAULT;
  memcpy((void *)(uintptr_t)udst, src, len);
  return 0;
}

int fk_clear_user(uint64_t udst, size_t len) {
  if (fk_bad(udst, len)) return -EFAULT;
  memset((void *)(uintptr_t)udst, 0, len);
  return 0;
}

int fk_get_user_u32(uint32_t *v, uint64_t usrc) { return fk_copy_from_user(v, usrc, sizeof *v); }

/* include/linux/uaccess.h copy_struct_from_user() + lib/usercopy.c check_zeroed_user(): the
 * trailing bytes the kernel does not know are read (up to the first nonzero one, E2BIG then)
 * before the known part is copied. Byte-exact here; the kernel reads aligned words but masks
 * the bytes outside the range. */
int fk_copy_struct_from_user(void *dst, size_t ksize, uint64_t usrc, size_t usize) {
  size_t size = fk_min(ksize, usize);
  if (usize < ksize) {
    memset((uint8_t *)dst + size, 0, ksize - size);
  } else if (usize > ksize) {
    uint64_t from = usrc + size, rest = usize - size;
    if (fk_bad(from, rest)) return -EFAULT;
    for (uint64_t i = 0; i < rest; i++)
      if (fk_load8(from + i)) return -E2BIG;
  }
  return fk_copy_from_user(dst, usrc, size);
}

/* copy_struct_to_user(): zero the user's extra tail, copy the common part. */
int fk_copy_struct_to_user(uint64_t udst, size_t usize, const void *src, size_t ksize) {
  size_t size = fk_min(ksize, usize);
  if (usize > ksize && fk_clear_user(udst + size, usize - size)) return -EFAULT;
  return fk_copy_to_user(udst, src, size);
}

/* strnlen_user(): the length including the NUL, 0 on a fault, > n when there is no NUL in the
 * first n bytes. Reads byte by byte up to the NUL. */
long fk_strnlen_user(uint64_t usrc, long n) {
  if (usrc == 0 || !fk_access_ok(usrc, 1)) return 0;
  uint64_t max = FK_TASK_SIZE_MAX - usrc;
  if ((uint64_t)n < max) max = (uint64_t)n;
  for (uint64_t i = 0; i < max; i++)
    if (!fk_load8(usrc + i)) return (long)i + 1;
  return n + 1;
}

/* A region ASan knows is not live memory: touch the first bad byte so ASan reports it with the
 * allocation/free stacks. */
static void fk_asan_check(uint64_t uaddr, uint64_t len, int write) {
  void *bad = __asan_region_is_poisoned((void *)(uintptr_t)uaddr, len);
  if (bad) {
    fk_trace("region [%#llx, +%#llx) is not live memory at %p", (unsigned long long)uaddr,
             (unsigned long long)len, bad);
    if (write)
      fk_store8((uint64_t)(uintptr_t)bad, 0xda);
    else
      (void)fk_load8((uint64_t)(uintptr_t)bad);
  }
}

/* pin_user_pages(): every page of [uaddr, uaddr + len) is faulted in and held. */
int fk_pin_user(uint64_t uaddr, uint64_t len) {
  if (!len) return 0;
  if (fk_bad(uaddr, len)) return -EFAULT;
  fk_asan_check(uaddr, len, 0);
  for (uint64_t p = uaddr; p < uaddr + len; p = (p & FK_PAGE_MASK) + FK_PAGE_SIZE) (void)fk_load8(p);
  (void)fk_load8(uaddr + len - 1);
  return 0;
}

void fk_dma_touch(uint64_t uaddr, uint64_t len, int write) {
  if (!len) return;
  fk_asan_check(uaddr, len, write);
  for (uint64_t p = uaddr; p < uaddr + len; p = (p & FK_PAGE_MASK) + FK_PAGE_SIZE) {
    if (write) fk_store8(p, 0xda); else (void)fk_load8(p);
  }
  if (write) fk_store8(uaddr + len - 1, 0xda); else (void)fk_load8(uaddr + len - 1);
}

int fk_user_bitmap_set(uint64_t ubitmap, uint64_t first_bit, uint64_t nbits) {
  if (!nbits) return 0;
  /* Bit b of the bitmap is bit b % 8 of byte ubitmap + b / 8 (little endian). bitmap_set() on
   * the kmap'd page works on naturally aligned unsigned longs, so count in absolute bits. */
  uint64_t abs_first = ubitmap * 8 + first_bit, abs_last = abs_first + nbits - 1;
  uint64_t first_word = abs_first / 64, last_word = abs_last / 64;
  if (fk_bad(first_word * 8, (last_word - first_word + 1) * 8)) return -EFAULT;
  for (uint64_t w = first_word; w <= last_word; w++) {
    uint64_t lo = w == first_word ? abs_first % 64 : 0, hi = w == last_word ? abs_last % 64 : 63;
    uint64_t mask = (hi == 63 ? ~0ULL : ((1ULL << (hi + 1)) - 1)) & ~((1ULL << lo) - 1);
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(w * 8);
    if (mask == ~0ULL)
      *p = ~0ULL; /* bitmap_set() stores whole words */
    else
      *p |= mask; /* and read-modify-writes partial ones */
  }
  return 0;
}

int fk_new_eventfd(void) {
  int fd = eventfd(0, EFD_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/* ------------------------------------------------------------------ interposition */

static int fk_is_main_thread(void) { return gettid() == getpid(); }

static void fk_async_delay(void) {
  static long us = -1;
  if (us < 0) {
    const char *s = getenv("UAPIGEN_FAKE_ASYNC_DELAY_MS");
    us = (s ? atol(s) : 100) * 1000;
  }
  if (us > 0 && !fk_is_main_thread()) usleep((useconds_t)us);
}

int fk_current_fd = -1;

static long fk_dispatch(int fd, int kind, unsigned int cmd, uint64_t arg) {
  fk_current_fd = fd;
  int ci = fk_ctx_for_fd(fd, kind);
  if (ci < 0) return ci;
  fk_gc(); /* keeps contexts referenced only through closed fds from looking alive */
  if (!fk_ctxs[ci]) return -EBADF;
  if (cmd == UAPIGEN_FAKE_ADDRESS) return fk_copy_to_user(arg, &arg, sizeof arg);
  if (cmd == UAPIGEN_FAKE_DMA || cmd == UAPIGEN_FAKE_CHECK) {
    if (kind != FK_IOMMUFD && kind != FK_VFIO_CONTAINER) return -ENOTTY;
    return cmd == UAPIGEN_FAKE_DMA ? fk_fake_dma(ci) : fk_fake_check(ci);
  }
  switch (kind) {
    case FK_IOMMUFD: return fk_iommufd_ioctl(ci, cmd, arg);
    case FK_VFIO_DEVICE: return fk_vfio_device_ioctl(ci, cmd, arg);
    case FK_VFIO_GROUP: return fk_vfio_group_ioctl(ci, cmd, arg);
    case FK_VFIO_CONTAINER: return fk_vfio_container_ioctl(ci, cmd, arg);
  }
  return -ENOTTY;
}

int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  unsigned long arg = va_arg(ap, unsigned long);
  va_end(ap);
  fk_init_real();
  int kind = fk_inside ? FK_NONE : fk_classify(fd);
  unsigned int cmd = (unsigned int)request; /* the kernel's cmd is an unsigned int */
  /* do_vfs_ioctl() handles these before the driver sees them. */
  if (kind == FK_NONE || cmd == FIOCLEX || cmd == FIONCLEX || cmd == FIONBIO || cmd == FIOASYNC)
    return real_ioctl(fd, request, arg);
  fk_async_delay();
  pthread_mutex_lock(&fk_lock);
  fk_inside = 1;
  long r = fk_dispatch(fd, kind, cmd, arg);
  fk_inside = 0;
  pthread_mutex_unlock(&fk_lock);
  if (r == -FK_ENOIOCTLCMD) r = -ENOTTY;
  fk_trace("ioctl(%d, %#x, %#lx) = %ld%s%s", fd, cmd, arg, r < 0 ? -1L : r, r < 0 ? " errno " : "",
           r < 0 ? strerrorname_np((int)-r) : "");
  if (r < 0) {
    errno = (int)-r;
    return -1;
  }
  return (int)r;
}

/* Closing the last fd of a fake iommufd/container drops its mappings (the kernel's release).
 * Not every close goes through here (libuv closes with syscall(SYS_close)), so contexts are
 * also collected whenever a new one is created and before UAPIGEN_FAKE_DMA. */
int close(int fd) {
  fk_init_real();
  int kind = (!fk_inside && fk_nctx) ? fk_classify(fd) : FK_NONE;
  int r = real_close(fd);
  if (kind != FK_NONE) {
    int saved = errno;
    pthread_mutex_lock(&fk_lock);
    fk_inside = 1;
    fk_gc();
    fk_inside = 0;
    pthread_mutex_unlock(&fk_lock);
    errno = saved;
  }
  return r;
}

void fk_close_fd(int fd) { syscall(SYS_close, fd); }
