/*
 * A test-only "fake kernel" for uapigen's runtime: an LD_PRELOAD library that interposes
 * ioctl() (and close()) and, for fake device fds, touches user memory with exactly the
 * extents the Linux 7.3 handlers use (copy_from_user / copy_to_user / get_user / put_user /
 * clear_user / pin_user_pages). Built with -fsanitize=address and run in a node with libasan
 * preloaded, every access outside a live JS buffer becomes an ASan report.
 *
 * A fd is fake when the basename of readlink(/proc/self/fd/N) starts with one of
 *   uapigen-fake-iommufd          -> /dev/iommu
 *   uapigen-fake-vfio-device      -> /dev/vfio/devices/vfioN (cdev) or a group-opened device
 *   uapigen-fake-vfio-container   -> /dev/vfio/vfio
 *   uapigen-fake-vfio-group       -> /dev/vfio/N
 * Everything else goes to the real ioctl. State is kept per open file description (recognised by
 * a file offset the fake stamps on it), so dup()ed fds share it and closed files are forgotten.
 *
 * Environment: UAPIGEN_FAKE_TRACE=1 logs every fake call to stderr; UAPIGEN_FAKE_ASYNC_DELAY_MS
 * (default 100) is how long a call made off the main thread sleeps before touching user memory.
 * Under node, add allow_user_segv_handler=0 to ASAN_OPTIONS (or run node with
 * --disable-wasm-trap-handler), or a wild pointer dies with a bare SIGSEGV instead of a report.
 *
 * Sources of truth (linux-source-7.3 7.3.4-1~bpo13+1) are cited at each handler.
 */
#ifndef UAPIGEN_FAKE_KERNEL_H
#define UAPIGEN_FAKE_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <sys/types.h>

/* The vendored 7.3 uAPI headers (headers/7.3), not the system's older copies. */
#include <linux/iommufd.h>
#include <linux/vfio.h>

#if !defined(IOMMU_IOAS_NOIOMMU_GET_PA) || !defined(VFIO_DEVICE_FEATURE_DMA_BUF)
#error "build with -I headers/7.3: the 7.3 uAPI headers must shadow /usr/include/linux"
#endif

#define FK_PAGE_SIZE 4096ULL
#define FK_PAGE_MASK (~(FK_PAGE_SIZE - 1))
/* x86-64 TASK_SIZE_MAX with 4-level paging: what access_ok() accepts. */
#define FK_TASK_SIZE_MAX 0x00007ffffffff000ULL
#define FK_ULONG_MAX 0xffffffffffffffffULL

/* Fake-only requests. UAPIGEN_FAKE_DMA (iommufd, container): "the device does DMA into every
 * live mapping"; returns how many mappings it touched. UAPIGEN_FAKE_ADDRESS (any fake fd):
 * stores the argument pointer as a u64 at the argument (tests learn a buffer's address).
 * UAPIGEN_FAKE_CHECK (iommufd, container): how many mappings ASan already knows are not live
 * memory (freed, out of bounds), without touching them: poll it after a GC, then DMA. */
#define UAPIGEN_FAKE_DMA _IO('Z', 0x00)
#define UAPIGEN_FAKE_ADDRESS _IO('Z', 0x01)
#define UAPIGEN_FAKE_CHECK _IO('Z', 0x02)

/* Kernel-internal errno that vfs_ioctl() turns into ENOTTY. */
#define FK_ENOIOCTLCMD 515

#define fk_offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))
#define fk_min(a, b) ((a) < (b) ? (a) : (b))
#define fk_max(a, b) ((a) > (b) ? (a) : (b))

enum fk_kind { FK_NONE, FK_IOMMUFD, FK_VFIO_DEVICE, FK_VFIO_CONTAINER, FK_VFIO_GROUP };

/* ------------------------------------------------------------------ iommufd objects */
#define FK_MAX_OBJS 128 /* ids 1..127 */
#define FK_MAX_ALLOWED 16

enum fk_obj_type {
  OBJ_FREE, OBJ_IOAS, OBJ_DEVICE, OBJ_HWPT_PAGING, OBJ_HWPT_NESTED,
  OBJ_VIOMMU, OBJ_VDEVICE, OBJ_FAULT, OBJ_VEVENTQ,
};

struct fk_obj {
  int type;
  unsigned users;       /* 1 = only the xarray; DESTROY needs users == 1 */
  uint32_t ref[2];      /* ids of objects this one holds a users reference on */
  /* IOAS */
  uint64_t iova_alignment;
  unsigned n_allowed;
  struct { uint64_t start, last; } allowed[FK_MAX_ALLOWED];
  int huge_pages;
  /* HWPT_PAGING */
  int nest_parent, dirty_ops, dirty_enabled, auto_domain;
  /* DEVICE */
  int dev_ctx;          /* context index of the vfio device */
  uint32_t vdev_id;     /* the vdevice bound to this device */
  /* VIOMMU / VEVENTQ */
  uint32_t viommu_type;
};

/* ------------------------------------------------------------------ contexts */
/* One context per open file description (dup'd fds share it, like the kernel's struct file). */
struct fk_ctx {
  int used, kind, alive;
  uint64_t cookie; /* the file offset we stamp on the description to recognise it */
  /* iommufd */
  struct fk_obj obj[FK_MAX_OBJS];
  int account_mm;
  uint32_t vfio_ioas; /* IOMMU_VFIO_IOAS compat ioas */
  /* vfio container */
  int iommu_type;    /* 0 none, VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_SPAPR_TCE(_v2)_IOMMU */
  int dirty_tracking;
  unsigned dma_avail;
  int spapr_mm;
  /* vfio device */
  int access_granted, iommufd_ctx, group_ctx; /* ctx indexes, -1 if none */
  uint32_t devid, attached_pt;
  uint32_t mig_state;
  int logging, low_power;
  /* vfio group */
  int container_ctx, group_iommufd_ctx;
};

#define FK_MAX_CTX 64
extern struct fk_ctx *fk_ctxs[FK_MAX_CTX];

/* ------------------------------------------------------------------ mappings */
/* A "live mapping": user memory a device may DMA into (IOAS_MAP/COPY, VFIO_IOMMU_MAP_DMA,
 * SPAPR_REGISTER_MEMORY). Owned by an iommufd or container context. */
struct fk_map {
  int used, ctx;
  uint32_t ioas;          /* iommufd: IOAS id; 0 for vfio containers */
  uint64_t iova, length;
  uint64_t uaddr;         /* 0 for IOAS_MAP_FILE (no user memory) */
  int writable;           /* the pages were pinned writable (IOMMU_WRITE) */
  int prot_write;         /* the device may write through this mapping */
  int spapr;              /* a preregistered (SPAPR) region, not an IOVA mapping */
  int vaddr_invalid;      /* VFIO_DMA_UNMAP_FLAG_VADDR: no user address until MAP_FLAG_VADDR */
};

int fk_map_add(const struct fk_map *m);
struct fk_map *fk_map_at(int i);
int fk_map_count(void);
void fk_map_del(int i);
void fk_maps_drop(int ctx, uint32_t ioas); /* ioas 0: every mapping of the ctx */

/* ------------------------------------------------------------------ helpers */
int fk_classify(int fd);
int fk_ctx_for_fd(int fd, int kind); /* ctx index or -errno; creates the context */
int fk_fd_valid(int fd);
extern int fk_current_fd; /* the fd of the ioctl being handled */

/* User memory, exactly like the kernel's accessors. Return 0 or -EFAULT. A NULL (0) pointer
 * with a nonzero length and ranges access_ok() rejects fail with EFAULT without touching;
 * anything else is dereferenced (a wild pointer crashes, as it should under ASan). */
int fk_access_ok(uint64_t uaddr, uint64_t len);
int fk_copy_from_user(void *dst, uint64_t usrc, size_t len);
int fk_copy_to_user(uint64_t udst, const void *src, size_t len);
int fk_clear_user(uint64_t udst, size_t len);
int fk_get_user_u32(uint32_t *v, uint64_t usrc);
int fk_copy_struct_from_user(void *dst, size_t ksize, uint64_t usrc, size_t usize);
int fk_copy_struct_to_user(uint64_t udst, size_t usize, const void *src, size_t ksize);
long fk_strnlen_user(uint64_t usrc, long n);
/* pin_user_pages(): the whole range must be live memory; faults in every page. */
int fk_pin_user(uint64_t uaddr, uint64_t len);
/* The device writing (or reading) through a mapping. */
void fk_dma_touch(uint64_t uaddr, uint64_t len, int write);
/* Sets bits [first_bit, first_bit + nbits) of a user bitmap the way iova_bitmap_set() does:
 * bitmap_set() on the pinned page, i.e. stores (full words) and read-modify-writes (partial
 * words) of the naturally aligned u64s that hold those bits. */
int fk_user_bitmap_set(uint64_t ubitmap, uint64_t first_bit, uint64_t nbits);

int fk_new_eventfd(void);
void fk_close_fd(int fd); /* closes a fd we created, bypassing our close() */
void fk_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ drivers */
long fk_iommufd_ioctl(int ci, unsigned int cmd, uint64_t arg);
long fk_vfio_device_ioctl(int ci, unsigned int cmd, uint64_t arg);
long fk_vfio_group_ioctl(int ci, unsigned int cmd, uint64_t arg);
long fk_vfio_container_ioctl(int ci, unsigned int cmd, uint64_t arg);

/* iommufd services for vfio (device bind/attach, group compat). */
int fk_iommufd_bind(int ici, int dev_ci, uint32_t *devid);
void fk_iommufd_unbind(int ici, uint32_t devid);
int fk_iommufd_attach(int ici, uint32_t devid, uint32_t *pt_id);
void fk_iommufd_detach(int ici, uint32_t devid);
int fk_iommufd_compat_ioas(int ici, uint32_t *ioas_id);
/* Releases what a dying context holds (mappings, objects, references). */
void fk_ctx_release(int ci);

#endif
