/*
 * The fake /dev/iommu (drivers/iommu/iommufd/ of Linux 7.3). The "hardware" behind it is an
 * ARM SMMUv3 with the Tegra241 CMDQV extension, nesting and dirty tracking: that makes every
 * driver-specific payload (hw_info data, nested HWPT data, vIOMMU data, invalidation arrays)
 * reachable with its real size.
 */
#define _GNU_SOURCE
#include "fake-kernel.h"

#include <string.h>
#include <unistd.h>

/* The reserved IOVA region the fake reports (x86 MSI window), so IOAS_IOVA_RANGES has 2 holes. */
#define FK_RESV_START 0xfee00000ULL
#define FK_RESV_LAST 0xfeefffffULL
#define FK_HPAGE_SIZE (2ULL << 20)

static struct fk_ctx *C(int ci) { return fk_ctxs[ci]; }

/* ------------------------------------------------------------------ objects (main.c) */

static struct fk_obj *obj_get(struct fk_ctx *c, uint32_t id, int type) {
  if (id == 0 || id >= FK_MAX_OBJS || c->obj[id].type == OBJ_FREE) return NULL;
  if (type != OBJ_FREE && c->obj[id].type != type) return NULL;
  return &c->obj[id];
}

/* xa_alloc with XA_FLAGS_ALLOC1: the lowest free id. */
static int obj_alloc(struct fk_ctx *c, int type) {
  for (uint32_t id = 1; id < FK_MAX_OBJS; id++) {
    if (c->obj[id].type != OBJ_FREE) continue;
    memset(&c->obj[id], 0, sizeof c->obj[id]);
    c->obj[id].type = type;
    c->obj[id].users = 1;
    c->obj[id].dev_ctx = -1;
    c->obj[id].iova_alignment = 1; /* iopt_init_table() */
    c->obj[id].huge_pages = 1;
    return (int)id;
  }
  return -ENOMEM;
}

static void obj_hold(struct fk_ctx *c, uint32_t holder, int slot, uint32_t target) {
  c->obj[holder].ref[slot] = target;
  c->obj[target].users++;
}

static void obj_free(struct fk_ctx *c, int ci, uint32_t id);

static void obj_put(struct fk_ctx *c, int ci, uint32_t id) {
  struct fk_obj *o = obj_get(c, id, OBJ_FREE);
  if (!o) return;
  o->users--;
  /* An automatic domain dies with its last attachment (iommufd_hw_pagetable_put). */
  if (o->type == OBJ_HWPT_PAGING && o->auto_domain && o->users == 1) obj_free(c, ci, id);
}

static void obj_free(struct fk_ctx *c, int ci, uint32_t id) {
  struct fk_obj *o = &c->obj[id];
  if (o->type == OBJ_IOAS) fk_maps_drop(ci, id); /* iommufd_ioas_destroy: iopt_unmap_all */
  if (o->type == OBJ_VDEVICE)
    for (uint32_t d = 1; d < FK_MAX_OBJS; d++)
      if (c->obj[d].type == OBJ_DEVICE && c->obj[d].vdev_id == id) c->obj[d].vdev_id = 0;
  uint32_t refs[2] = {o->ref[0], o->ref[1]};
  o->type = OBJ_FREE;
  for (int i = 0; i < 2; i++)
    if (refs[i]) obj_put(c, ci, refs[i]);
}

/* ------------------------------------------------------------------ ucmd plumbing (main.c) */

union ucmd_buffer {
  struct iommu_destroy destroy;
  struct iommu_fault_alloc fault;
  struct iommu_hw_info info;
  struct iommu_hw_queue_alloc hw_queue;
  struct iommu_hwpt_alloc hwpt;
  struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
  struct iommu_hwpt_invalidate cache;
  struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
  struct iommu_ioas_alloc alloc;
  struct iommu_ioas_allow_iovas allow_iovas;
  struct iommu_ioas_copy ioas_copy;
  struct iommu_ioas_noiommu_get_pa noiommu_get_pa;
  struct iommu_ioas_iova_ranges iova_ranges;
  struct iommu_ioas_map map;
  struct iommu_ioas_map_file map_file;
  struct iommu_ioas_unmap unmap;
  struct iommu_option option;
  struct iommu_vdevice_alloc vdev;
  struct iommu_veventq_alloc veventq;
  struct iommu_vfio_ioas vfio_ioas;
  struct iommu_viommu_alloc viommu;
  struct iommu_ioas_change_process change_process;
};

struct ucmd {
  int ci;
  struct fk_ctx *c;
  uint64_t ubuffer;
  uint32_t user_size;
  union ucmd_buffer cmd;
};

/* iommufd_ucmd_respond(): min(user_size, kernel size) bytes back to the start of the struct. */
static int respond(struct ucmd *u, size_t len) {
  return fk_copy_to_user(u->ubuffer, &u->cmd, fk_min((size_t)u->user_size, len)) ? -EFAULT : 0;
}

static struct fk_obj *get_ioas(struct ucmd *u, uint32_t id) { return obj_get(u->c, id, OBJ_IOAS); }
static struct fk_obj *get_device(struct ucmd *u, uint32_t id) { return obj_get(u->c, id, OBJ_DEVICE); }

/* ------------------------------------------------------------------ io_pagetable.c */

static int overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) { return a0 <= b1 && b0 <= a1; }

/* Any area of this IOAS intersecting [a, b]: its index, else -1. */
static int area_in(int ci, uint32_t ioas, uint64_t a, uint64_t b) {
  for (int i = 0; i < fk_map_count(); i++) {
    struct fk_map *m = fk_map_at(i);
    if (m && m->ctx == ci && m->ioas == ioas && !m->spapr && overlaps(a, b, m->iova, m->iova + m->length - 1)) return i;
  }
  return -1;
}

/* The areas of an IOAS intersecting [a, b], sorted by iova. */
static int areas_sorted(int ci, uint32_t ioas, uint64_t a, uint64_t b, int *out, int max) {
  int n = 0;
  for (int i = 0; i < fk_map_count() && n < max; i++) {
    struct fk_map *m = fk_map_at(i);
    if (!m || m->ctx != ci || m->ioas != ioas || m->spapr || !overlaps(a, b, m->iova, m->iova + m->length - 1)) continue;
    int j = n++;
    while (j > 0 && fk_map_at(out[j - 1])->iova > m->iova) out[j] = out[j - 1], j--;
    out[j] = i;
  }
  return n;
}

/* iopt_check_iova() */
static int check_iova(int ci, uint32_t ioas_id, struct fk_obj *ioas, uint64_t iova, uint64_t length) {
  uint64_t last;
  if (iova & (ioas->iova_alignment - 1)) return -EINVAL;
  if (__builtin_add_overflow(iova, length - 1, &last)) return -EOVERFLOW;
  if (overlaps(iova, last, FK_RESV_START, FK_RESV_LAST)) return -EINVAL;
  if (area_in(ci, ioas_id, iova, last) >= 0) return -EEXIST;
  return 0;
}

static uint64_t roundup_pow2(uint64_t x) { return x <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(x - 1)); }

/* iopt_alloc_iova(): the first hole of the allowed spans (or [PAGE_SIZE, ULONG_MAX-PAGE_SIZE])
 * that fits, aligned, keeping the page offset of addr. */
static int alloc_iova(int ci, uint32_t ioas_id, struct fk_obj *ioas, uint64_t *iova, uint64_t addr, uint64_t length) {
  uint64_t page_offset = addr % FK_PAGE_SIZE, align;
  if (length == 0 || length >= FK_ULONG_MAX / 2) return -EOVERFLOW;
  align = !addr ? roundup_pow2(length) : fk_min(roundup_pow2(length), 1ULL << __builtin_ctzll(addr));
  if (align >= FK_HPAGE_SIZE) align = FK_HPAGE_SIZE;
  if (align < ioas->iova_alignment) return -EINVAL;
  struct { uint64_t lo, hi; } spans[FK_MAX_ALLOWED];
  unsigned n = 0;
  if (!ioas->n_allowed) {
    spans[n].lo = FK_PAGE_SIZE, spans[n++].hi = FK_ULONG_MAX - FK_PAGE_SIZE;
  } else {
    for (unsigned i = 0; i < ioas->n_allowed; i++) {
      uint64_t lo = fk_max(ioas->allowed[i].start, FK_PAGE_SIZE), hi = fk_min(ioas->allowed[i].last, FK_ULONG_MAX - FK_PAGE_SIZE);
      if (lo <= hi) spans[n].lo = lo, spans[n++].hi = hi;
    }
  }
  for (unsigned s = 0; s < n; s++) {
    uint64_t cand = spans[s].lo;
    for (;;) {
      uint64_t start;
      if (__builtin_add_overflow(cand, align - 1, &start)) break;
      start = (start & ~(align - 1)) | page_offset;
      if (start >= spans[s].hi || spans[s].hi - start < length - 1) break;
      uint64_t last = start + length - 1;
      int a = area_in(ci, ioas_id, start, last);
      if (a >= 0) {
        struct fk_map *m = fk_map_at(a);
        cand = m->iova + m->length; /* the next hole */
        if (cand == 0) break;
        continue;
      }
      if (overlaps(start, last, FK_RESV_START, FK_RESV_LAST)) {
        cand = FK_RESV_LAST + 1;
        continue;
      }
      *iova = start;
      return 0;
    }
  }
  return -ENOSPC;
}

/* iopt_alloc_area_pages() + iopt_insert_area() for the first element. */
static int alloc_area(int ci, uint32_t ioas_id, struct fk_obj *ioas, uint64_t *iova, uint64_t start, uint64_t length,
                      int fixed) {
  uint64_t last;
  int rc;
  if ((length & (ioas->iova_alignment - 1)) || !length) return -EINVAL;
  rc = fixed ? check_iova(ci, ioas_id, ioas, *iova, length) : alloc_iova(ci, ioas_id, ioas, iova, start, length);
  if (rc) return rc;
  if ((start % FK_PAGE_SIZE) & (ioas->iova_alignment - 1)) return -EINVAL;
  if (__builtin_add_overflow(*iova, length - 1, &last)) return -EOVERFLOW;
  return 0;
}

/* ------------------------------------------------------------------ ioctls */

/* main.c iommufd_destroy -> iommufd_object_remove */
static long do_destroy(struct ucmd *u) {
  struct fk_obj *o = obj_get(u->c, u->cmd.destroy.id, OBJ_FREE);
  if (!o) return -ENOENT;
  if (o->users != 1) return -EBUSY;
  obj_free(u->c, u->ci, u->cmd.destroy.id);
  return 0;
}

/* ioas.c iommufd_ioas_alloc_ioctl */
static long do_ioas_alloc(struct ucmd *u) {
  struct iommu_ioas_alloc *cmd = &u->cmd.alloc;
  if (cmd->flags) return -EOPNOTSUPP;
  int id = obj_alloc(u->c, OBJ_IOAS);
  if (id < 0) return id;
  cmd->out_ioas_id = (uint32_t)id;
  int rc = respond(u, sizeof *cmd);
  if (rc) obj_free(u->c, u->ci, (uint32_t)id);
  return rc;
}

/* ioas.c iommufd_ioas_iova_ranges: copy_to_user of each hole that fits in num_iovas entries */
static long do_iova_ranges(struct ucmd *u) {
  struct iommu_ioas_iova_ranges *cmd = &u->cmd.iova_ranges;
  static const struct iommu_iova_range holes[2] = {{0, FK_RESV_START - 1}, {FK_RESV_LAST + 1, FK_ULONG_MAX}};
  if (cmd->__reserved) return -EOPNOTSUPP;
  struct fk_obj *ioas = get_ioas(u, cmd->ioas_id);
  if (!ioas) return -ENOENT;
  uint32_t max_iovas = cmd->num_iovas;
  cmd->num_iovas = 0;
  cmd->out_iova_alignment = ioas->iova_alignment;
  for (int i = 0; i < 2; i++) {
    if (cmd->num_iovas < max_iovas &&
        fk_copy_to_user(cmd->allowed_iovas + (uint64_t)cmd->num_iovas * sizeof holes[i], &holes[i], sizeof holes[i]))
      return -EFAULT;
    cmd->num_iovas++;
  }
  int rc = respond(u, sizeof *cmd);
  if (rc) return rc;
  return cmd->num_iovas > max_iovas ? -EMSGSIZE : 0;
}

/* ioas.c iommufd_ioas_allow_iovas + iommufd_ioas_load_iovas + io_pagetable.c iopt_set_allow_iova */
static long do_allow_iovas(struct ucmd *u) {
  struct iommu_ioas_allow_iovas *cmd = &u->cmd.allow_iovas;
  struct iommu_iova_range r[FK_MAX_ALLOWED];
  if (cmd->__reserved) return -EOPNOTSUPP;
  struct fk_obj *ioas = get_ioas(u, cmd->ioas_id);
  if (!ioas) return -ENOENT;
  for (uint32_t i = 0; i != cmd->num_iovas; i++) {
    struct iommu_iova_range range;
    if (fk_copy_from_user(&range, cmd->allowed_iovas + (uint64_t)i * sizeof range, sizeof range)) return -EFAULT;
    if (range.start >= range.last) return -EINVAL;
    for (uint32_t j = 0; j < i; j++)
      if (overlaps(range.start, range.last, r[j].start, r[j].last)) return -EINVAL;
    if (i >= FK_MAX_ALLOWED) return -ENOMEM; /* a limit of the fake only */
    r[i] = range;
  }
  for (uint32_t i = 0; i < cmd->num_iovas; i++)
    if (overlaps(r[i].start, r[i].last, FK_RESV_START, FK_RESV_LAST)) return -EADDRINUSE;
  ioas->n_allowed = cmd->num_iovas;
  for (uint32_t i = 0; i < cmd->num_iovas; i++) ioas->allowed[i].start = r[i].start, ioas->allowed[i].last = r[i].last;
  return 0;
}

/* ioas.c iommufd_ioas_map -> io_pagetable.c iopt_map_user_pages -> pages.c pin_user_pages */
static long do_ioas_map(struct ucmd *u) {
  struct iommu_ioas_map *cmd = &u->cmd.map;
  const uint32_t ok = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
  if ((cmd->flags & ~ok) || cmd->__reserved) return -EOPNOTSUPP;
  if (cmd->iova >= FK_ULONG_MAX || cmd->length >= FK_ULONG_MAX) return -EOVERFLOW;
  if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE))) return -EINVAL;
  struct fk_obj *ioas = get_ioas(u, cmd->ioas_id);
  if (!ioas) return -ENOENT;
  uint64_t end, iova = cmd->iova;
  if (__builtin_add_overflow(cmd->user_va, cmd->length, &end)) return -EOVERFLOW; /* iopt_alloc_user_pages */
  if (cmd->length > FK_ULONG_MAX - FK_PAGE_SIZE || cmd->length == 0) return -EINVAL; /* iopt_alloc_pages */
  int rc = alloc_area(u->ci, cmd->ioas_id, ioas, &iova, cmd->user_va, cmd->length, cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
  if (rc) return rc;
  rc = fk_pin_user(cmd->user_va, cmd->length);
  if (rc) return rc;
  int w = !!(cmd->flags & IOMMU_IOAS_MAP_WRITEABLE);
  struct fk_map m = {.ctx = u->ci, .ioas = cmd->ioas_id, .iova = iova, .length = cmd->length, .uaddr = cmd->user_va,
                     .writable = w, .prot_write = w};
  if (fk_map_add(&m) < 0) return -ENOMEM;
  cmd->iova = iova;
  return respond(u, sizeof *cmd); /* a failed respond leaves the mapping, as in the kernel */
}

/* ioas.c iommufd_ioas_map_file: file pages, no user memory */
static long do_ioas_map_file(struct ucmd *u) {
  struct iommu_ioas_map_file *cmd = &u->cmd.map_file;
  const uint32_t ok = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
  if (cmd->flags & ~ok) return -EOPNOTSUPP;
  if (cmd->iova >= FK_ULONG_MAX || cmd->length >= FK_ULONG_MAX) return -EOVERFLOW;
  if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE))) return -EINVAL;
  struct fk_obj *ioas = get_ioas(u, cmd->ioas_id);
  if (!ioas) return -ENOENT;
  uint64_t last, iova = cmd->iova;
  if (!cmd->length) return -EINVAL;
  if (__builtin_add_overflow(cmd->start, cmd->length - 1, &last)) return -EOVERFLOW;
  if (!fk_fd_valid(cmd->fd)) return -EBADF;
  int rc = alloc_area(u->ci, cmd->ioas_id, ioas, &iova, cmd->start, cmd->length, cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
  if (rc) return rc;
  int w = !!(cmd->flags & IOMMU_IOAS_MAP_WRITEABLE);
  struct fk_map m = {.ctx = u->ci, .ioas = cmd->ioas_id, .iova = iova, .length = cmd->length, .uaddr = 0,
                     .writable = w, .prot_write = w};
  if (fk_map_add(&m) < 0) return -ENOMEM;
  cmd->iova = iova;
  return respond(u, sizeof *cmd);
}

/* ioas.c iommufd_ioas_copy -> iopt_get_pages (contiguous source areas) -> iopt_map_pages */
static long do_ioas_copy(struct ucmd *u) {
  struct iommu_ioas_copy *cmd = &u->cmd.ioas_copy;
  const uint32_t ok = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
  if (cmd->flags & ~ok) return -EOPNOTSUPP;
  if (cmd->length >= FK_ULONG_MAX || cmd->src_iova >= FK_ULONG_MAX || cmd->dst_iova >= FK_ULONG_MAX) return -EOVERFLOW;
  if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE))) return -EINVAL;
  if (!get_ioas(u, cmd->src_ioas_id)) return -ENOENT;
  uint64_t last;
  if (!cmd->length) return -EINVAL;
  if (__builtin_add_overflow(cmd->src_iova, cmd->length - 1, &last)) return -EOVERFLOW;
  int idx[64], n = areas_sorted(u->ci, cmd->src_ioas_id, cmd->src_iova, last, idx, 64);
  struct { uint64_t uaddr, length; int writable; } piece[64];
  uint64_t cur = cmd->src_iova;
  int np = 0, done = 0;
  for (int i = 0; i < n && !done; i++) {
    struct fk_map *m = fk_map_at(idx[i]);
    if (m->iova > cur || m->iova + m->length - 1 < cur) break;
    uint64_t plast = fk_min(last, m->iova + m->length - 1);
    piece[np].uaddr = m->uaddr ? m->uaddr + (cur - m->iova) : 0;
    piece[np].length = plast - cur + 1;
    piece[np++].writable = m->writable;
    done = plast == last;
    cur = plast + 1;
  }
  if (!done) return -ENOENT; /* !iopt_area_contig_done() */
  struct fk_obj *dst = get_ioas(u, cmd->dst_ioas_id);
  if (!dst) return -ENOENT;
  uint64_t iova = cmd->dst_iova;
  int rc = alloc_area(u->ci, cmd->dst_ioas_id, dst, &iova, piece[0].uaddr, cmd->length, cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
  if (rc) return rc;
  int w = !!(cmd->flags & IOMMU_IOAS_MAP_WRITEABLE);
  for (int i = 0; i < np; i++) {
    if (w && !piece[i].writable) return -EPERM; /* iopt_insert_area */
    if ((piece[i].uaddr % FK_PAGE_SIZE) & (dst->iova_alignment - 1)) return -EINVAL;
  }
  uint64_t at = iova;
  for (int i = 0; i < np; i++) {
    if (piece[i].uaddr) fk_pin_user(piece[i].uaddr, piece[i].length); /* the same pages, already pinned */
    struct fk_map m = {.ctx = u->ci, .ioas = cmd->dst_ioas_id, .iova = at, .length = piece[i].length,
                       .uaddr = piece[i].uaddr, .writable = piece[i].writable, .prot_write = w};
    if (fk_map_add(&m) < 0) return -ENOMEM;
    at += piece[i].length;
  }
  cmd->dst_iova = iova;
  return respond(u, sizeof *cmd);
}

/* ioas.c iommufd_ioas_unmap -> iopt_unmap_iova / iopt_unmap_all */
static long do_ioas_unmap(struct ucmd *u) {
  struct iommu_ioas_unmap *cmd = &u->cmd.unmap;
  if (!get_ioas(u, cmd->ioas_id)) return -ENOENT;
  uint64_t start, last, unmapped = 0;
  int all = cmd->iova == 0 && cmd->length == FK_ULONG_MAX;
  if (all) {
    start = 0, last = FK_ULONG_MAX;
  } else {
    if (cmd->iova >= FK_ULONG_MAX || cmd->length >= FK_ULONG_MAX) return -EOVERFLOW;
    if (!cmd->length) return -EINVAL;
    if (__builtin_add_overflow(cmd->iova, cmd->length - 1, &last)) return -EOVERFLOW;
    start = cmd->iova;
  }
  int idx[256], n = areas_sorted(u->ci, cmd->ioas_id, start, last, idx, 256);
  for (int i = 0; i < n; i++) {
    struct fk_map *m = fk_map_at(idx[i]);
    if (m->iova < start || m->iova + m->length - 1 > last) return -ENOENT; /* splitting is not allowed */
    unmapped += m->length;
    fk_map_del(idx[i]);
  }
  if (!all && !unmapped) return -ENOENT;
  cmd->length = unmapped;
  return respond(u, sizeof *cmd);
}

/* main.c iommufd_option + ioas.c iommufd_option_rlimit_mode / iommufd_ioas_option: only val64
 * is copied back. */
static long do_option(struct ucmd *u) {
  struct iommu_option *cmd = &u->cmd.option;
  if (cmd->__reserved) return -EOPNOTSUPP;
  if (cmd->option_id == IOMMU_OPTION_RLIMIT_MODE) {
    if (cmd->object_id) return -EOPNOTSUPP;
    if (cmd->op == IOMMU_OPTION_OP_GET) {
      cmd->val64 = (uint64_t)u->c->account_mm;
    } else if (cmd->op == IOMMU_OPTION_OP_SET) {
      for (uint32_t id = 1; id < FK_MAX_OBJS; id++)
        if (u->c->obj[id].type != OBJ_FREE) return -EBUSY;
      if (cmd->val64 > 1) return -EINVAL;
      u->c->account_mm = (int)cmd->val64;
    } else {
      return -EOPNOTSUPP;
    }
  } else if (cmd->option_id == IOMMU_OPTION_HUGE_PAGES) {
    struct fk_obj *ioas = get_ioas(u, cmd->object_id);
    if (!ioas) return -ENOENT;
    if (cmd->op == IOMMU_OPTION_OP_GET) {
      cmd->val64 = (uint64_t)ioas->huge_pages;
    } else if (cmd->op == IOMMU_OPTION_OP_SET) {
      if (cmd->val64 > 1) return -EINVAL;
      ioas->huge_pages = (int)cmd->val64;
    } else {
      return -EOPNOTSUPP;
    }
  } else {
    return -EOPNOTSUPP;
  }
  return fk_copy_to_user(u->ubuffer + offsetof(struct iommu_option, val64), &cmd->val64, sizeof cmd->val64) ? -EFAULT : 0;
}

/* vfio_compat.c iommufd_vfio_ioas */
static long do_vfio_ioas(struct ucmd *u) {
  struct iommu_vfio_ioas *cmd = &u->cmd.vfio_ioas;
  if (cmd->__reserved) return -EOPNOTSUPP;
  switch (cmd->op) {
    case IOMMU_VFIO_IOAS_GET:
      if (!u->c->vfio_ioas || !get_ioas(u, u->c->vfio_ioas)) return -ENODEV;
      cmd->ioas_id = u->c->vfio_ioas;
      return respond(u, sizeof *cmd);
    case IOMMU_VFIO_IOAS_SET:
      if (!get_ioas(u, cmd->ioas_id)) return -ENOENT;
      u->c->vfio_ioas = cmd->ioas_id;
      return 0;
    case IOMMU_VFIO_IOAS_CLEAR:
      u->c->vfio_ioas = 0;
      return 0;
  }
  return -EOPNOTSUPP;
}

/* include/linux/iommu.h __iommu_copy_struct_from_user: type must match, len in [min, size],
 * then copy_struct_from_user of exactly len bytes. */
static int copy_driver_data(void *dst, uint32_t type, uint32_t want_type, uint64_t uptr, uint32_t len, size_t size,
                            size_t min) {
  if (type != want_type) return -EINVAL;
  if (len < min || size < len) return -EINVAL;
  return fk_copy_struct_from_user(dst, size, uptr, len);
}

/* hw_pagetable.c iommufd_hwpt_alloc (+ arm-smmu-v3 arm_smmu_domain_alloc_paging_flags and
 * arm_vsmmu_alloc_domain_nested, which reads the 16-byte STE) */
static long do_hwpt_alloc(struct ucmd *u) {
  struct iommu_hwpt_alloc *cmd = &u->cmd.hwpt;
  struct fk_ctx *c = u->c;
  if (cmd->__reserved) return -EOPNOTSUPP;
  if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) || (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
    return -EINVAL;
  if (!get_device(u, cmd->dev_id)) return -ENOENT;
  struct fk_obj *pt = obj_get(c, cmd->pt_id, OBJ_FREE);
  if (!pt) return -EINVAL;
  int id, type;
  if (pt->type == OBJ_IOAS) {
    const uint32_t valid = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_FAULT_ID_VALID |
                           IOMMU_HWPT_ALLOC_PASID;
    if (cmd->flags & ~valid) return -EOPNOTSUPP;
    if ((cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) && (cmd->flags & IOMMU_HWPT_ALLOC_NEST_PARENT)) return -EOPNOTSUPP;
    if (cmd->data_len) return -EOPNOTSUPP; /* arm_smmu_domain_alloc_paging_flags: no user_data */
    type = OBJ_HWPT_PAGING;
  } else if (pt->type == OBJ_HWPT_PAGING) {
    return -EOPNOTSUPP; /* iommufd_hwpt_nested_alloc: arm-smmu-v3 has no domain_alloc_nested */
  } else if (pt->type == OBJ_VIOMMU) {
    if (cmd->flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)) return -EOPNOTSUPP;
    if (!cmd->data_len) return -EOPNOTSUPP;
    if (cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID) return -EOPNOTSUPP; /* arm_vsmmu_alloc_domain_nested */
    struct iommu_hwpt_arm_smmuv3 arg;
    int rc = copy_driver_data(&arg, cmd->data_type, IOMMU_HWPT_DATA_ARM_SMMUV3, cmd->data_uptr, cmd->data_len, sizeof arg,
                              fk_offsetofend(struct iommu_hwpt_arm_smmuv3, ste));
    if (rc) return rc;
    type = OBJ_HWPT_NESTED;
  } else {
    return -EINVAL;
  }
  if ((cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) && !obj_get(c, cmd->fault_id, OBJ_FAULT)) return -ENOENT;
  id = obj_alloc(c, type);
  if (id < 0) return id;
  obj_hold(c, (uint32_t)id, 0, cmd->pt_id);
  if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) obj_hold(c, (uint32_t)id, 1, cmd->fault_id);
  if (type == OBJ_HWPT_PAGING) {
    c->obj[id].nest_parent = !!(cmd->flags & IOMMU_HWPT_ALLOC_NEST_PARENT);
    c->obj[id].dirty_ops = !!(cmd->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
    pt->iova_alignment = fk_max(pt->iova_alignment, FK_PAGE_SIZE); /* iopt_table_add_domain */
  }
  cmd->out_hwpt_id = (uint32_t)id;
  int rc = respond(u, sizeof *cmd);
  if (rc) obj_free(c, u->ci, (uint32_t)id);
  return rc;
}

/* device.c iommufd_get_hw_info: copy min(data_len, driver len), clear_user the rest of the
 * user's data_len, report the driver's length. */
static long do_get_hw_info(struct ucmd *u) {
  struct iommu_hw_info *cmd = &u->cmd.info;
  if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE) return -EOPNOTSUPP;
  if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2]) return -EOPNOTSUPP;
  if (!(cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE)) cmd->in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
  if (!get_device(u, cmd->dev_id)) return -ENOENT;
  union {
    struct iommu_hw_info_arm_smmuv3 smmu;
    struct iommu_hw_info_tegra241_cmdqv cmdqv;
  } data;
  uint32_t data_len;
  memset(&data, 0, sizeof data);
  if (cmd->in_data_type == IOMMU_HW_INFO_TYPE_DEFAULT || cmd->in_data_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3) {
    for (int i = 0; i < 6; i++) data.smmu.idr[i] = 0x1d000000u + (uint32_t)i; /* arm_smmu_hw_info */
    data.smmu.iidr = 0x4b2;
    data.smmu.aidr = 0x2;
    data_len = sizeof data.smmu;
    cmd->out_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
  } else if (cmd->in_data_type == IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV) {
    data.cmdqv.version = 1; /* tegra241_cmdqv_hw_info */
    data.cmdqv.log2vcmdqs = 7;
    data.cmdqv.log2vsids = 4;
    data_len = sizeof data.cmdqv;
  } else {
    return -EOPNOTSUPP;
  }
  uint32_t copy_len = fk_min(cmd->data_len, data_len);
  if (fk_copy_to_user(cmd->data_uptr, &data, copy_len)) return -EFAULT;
  if (copy_len < cmd->data_len && fk_clear_user(cmd->data_uptr + copy_len, cmd->data_len - copy_len)) return -EFAULT;
  cmd->data_len = data_len;
  cmd->out_capabilities = IOMMU_HW_CAP_DIRTY_TRACKING;
  cmd->out_max_pasid_log2 = 0;
  return respond(u, sizeof *cmd);
}

/* hw_pagetable.c iommufd_hwpt_set_dirty_tracking (no copy back) */
static long do_set_dirty_tracking(struct ucmd *u) {
  struct iommu_hwpt_set_dirty_tracking *cmd = &u->cmd.set_dirty_tracking;
  if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE) return -EOPNOTSUPP;
  struct fk_obj *hwpt = obj_get(u->c, cmd->hwpt_id, OBJ_HWPT_PAGING);
  if (!hwpt) return -ENOENT;
  if (!hwpt->dirty_ops) return -EOPNOTSUPP;
  hwpt->dirty_enabled = !!(cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
  return 0;
}

/* hw_pagetable.c iommufd_hwpt_get_dirty_bitmap -> io_pagetable.c iommufd_check_iova_range +
 * iommu_read_and_clear_dirty -> iova_bitmap.c: the bitmap spans
 * ((length - 1) >> __ffs(page_size)) / 64 + 1 u64s at data; the fake reports every page dirty,
 * so every one of them is written. A bitmap that cannot be pinned is silently skipped (the
 * kernel ignores iova_bitmap_for_each()'s result). No copy back. */
static long do_get_dirty_bitmap(struct ucmd *u) {
  struct iommu_hwpt_get_dirty_bitmap *cmd = &u->cmd.get_dirty_bitmap;
  if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) || cmd->__reserved) return -EOPNOTSUPP;
  struct fk_obj *hwpt = obj_get(u->c, cmd->hwpt_id, OBJ_HWPT_PAGING);
  if (!hwpt) return -ENOENT;
  struct fk_obj *ioas = obj_get(u->c, hwpt->ref[0], OBJ_IOAS);
  uint64_t pgsize = ioas ? ioas->iova_alignment : FK_PAGE_SIZE, last_iova;
  if (!cmd->length) return -EINVAL;
  if (__builtin_add_overflow(cmd->iova, cmd->length - 1, &last_iova)) return -EOVERFLOW;
  if ((cmd->iova & (pgsize - 1)) || ((last_iova + 1) & (pgsize - 1))) return -EINVAL;
  if (!cmd->page_size) return -EINVAL;
  if ((cmd->iova & (cmd->page_size - 1)) || ((last_iova + 1) & (cmd->page_size - 1))) return -EINVAL;
  if (!hwpt->dirty_ops) return -EOPNOTSUPP;
  unsigned shift = (unsigned)__builtin_ctzll(cmd->page_size);
  uint64_t npages = ((cmd->length - 1) >> shift) + 1;
  if (cmd->data && fk_access_ok(cmd->data, 1)) fk_user_bitmap_set(cmd->data, 0, npages);
  return 0;
}

/* hw_pagetable.c iommufd_hwpt_invalidate; a vIOMMU target runs arm_vsmmu_cache_invalidate
 * (iommu_copy_struct_from_full_user_array: entry_num * entry_len bytes at data_uptr). entry_num
 * is always written back. */
static long do_hwpt_invalidate(struct ucmd *u) {
  struct iommu_hwpt_invalidate *cmd = &u->cmd.cache;
  uint32_t done = 0;
  long rc;
  if (cmd->__reserved) {
    rc = -EOPNOTSUPP;
    goto out;
  }
  if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len || cmd->entry_len > FK_PAGE_SIZE || cmd->entry_num > (1U << 19))) {
    rc = -EINVAL;
    goto out;
  }
  struct fk_obj *pt = obj_get(u->c, cmd->hwpt_id, OBJ_FREE);
  if (!pt) {
    rc = -ENOENT;
    goto out;
  }
  if (pt->type == OBJ_HWPT_NESTED) {
    rc = -EOPNOTSUPP; /* arm_smmu nested domains have no cache_invalidate_user */
  } else if (pt->type == OBJ_VIOMMU) {
    const size_t ksize = sizeof(struct iommu_viommu_arm_smmuv3_invalidate);
    if (cmd->data_type != IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 || !cmd->entry_num) {
      rc = -EINVAL;
    } else if (cmd->entry_len == ksize) {
      rc = fk_copy_from_user(NULL, cmd->data_uptr, (size_t)cmd->entry_num * cmd->entry_len);
    } else {
      rc = 0;
      for (uint32_t i = 0; i != cmd->entry_num && !rc; i++) {
        struct iommu_viommu_arm_smmuv3_invalidate e;
        rc = fk_copy_struct_from_user(&e, ksize, cmd->data_uptr + (uint64_t)i * cmd->entry_len, cmd->entry_len);
      }
    }
    if (!rc) done = cmd->entry_num;
  } else {
    rc = -EINVAL;
  }
out:
  cmd->entry_num = done;
  if (respond(u, sizeof *cmd)) return -EFAULT;
  return rc;
}

/* eventq.c iommufd_fault_alloc: the fault fd is a real fd (an eventfd here) */
static long do_fault_alloc(struct ucmd *u) {
  struct iommu_fault_alloc *cmd = &u->cmd.fault;
  if (cmd->flags) return -EOPNOTSUPP;
  int id = obj_alloc(u->c, OBJ_FAULT);
  if (id < 0) return id;
  int fd = fk_new_eventfd();
  if (fd < 0) {
    obj_free(u->c, u->ci, (uint32_t)id);
    return fd;
  }
  cmd->out_fault_id = (uint32_t)id;
  cmd->out_fault_fd = (uint32_t)fd;
  int rc = respond(u, sizeof *cmd);
  if (rc) {
    fk_close_fd(fd);
    obj_free(u->c, u->ci, (uint32_t)id);
  }
  return rc;
}

/* viommu.c iommufd_viommu_alloc_ioctl; ARM_SMMUV3 takes no data (arm_vsmmu_init), TEGRA241_CMDQV
 * reads and writes back a 16-byte struct iommu_viommu_tegra241_cmdqv
 * (tegra241_cmdqv_init_vintf_user: iommu_copy_struct_from_user / _to_user). */
static long do_viommu_alloc(struct ucmd *u) {
  struct iommu_viommu_alloc *cmd = &u->cmd.viommu;
  struct fk_ctx *c = u->c;
  if (cmd->flags || cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT) return -EOPNOTSUPP;
  if (!get_device(u, cmd->dev_id)) return -ENOENT;
  if (cmd->type != IOMMU_VIOMMU_TYPE_ARM_SMMUV3 && cmd->type != IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV) return -EOPNOTSUPP;
  struct fk_obj *hwpt = obj_get(c, cmd->hwpt_id, OBJ_HWPT_PAGING);
  if (!hwpt) return -ENOENT;
  if (!hwpt->nest_parent) return -EINVAL;
  if (cmd->type == IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV) {
    struct iommu_viommu_tegra241_cmdqv data;
    if (!cmd->data_len) return -EINVAL;
    int rc = copy_driver_data(&data, cmd->type, IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV, cmd->data_uptr, cmd->data_len, sizeof data,
                              fk_offsetofend(struct iommu_viommu_tegra241_cmdqv, out_vintf_mmap_length));
    if (rc) return rc;
    data.out_vintf_mmap_length = 0x10000;
    data.out_vintf_mmap_offset = 0x7a000000;
    if (fk_copy_struct_to_user(cmd->data_uptr, cmd->data_len, &data, sizeof data)) return -EFAULT;
  }
  int id = obj_alloc(c, OBJ_VIOMMU);
  if (id < 0) return id;
  c->obj[id].viommu_type = cmd->type;
  obj_hold(c, (uint32_t)id, 0, cmd->hwpt_id);
  cmd->out_viommu_id = (uint32_t)id;
  int rc = respond(u, sizeof *cmd);
  if (rc) obj_free(c, u->ci, (uint32_t)id);
  return rc;
}

/* viommu.c iommufd_vdevice_alloc_ioctl */
static long do_vdevice_alloc(struct ucmd *u) {
  struct iommu_vdevice_alloc *cmd = &u->cmd.vdev;
  struct fk_ctx *c = u->c;
  if (!obj_get(c, cmd->viommu_id, OBJ_VIOMMU)) return -ENOENT;
  struct fk_obj *idev = get_device(u, cmd->dev_id);
  if (!idev) return -ENOENT;
  if (idev->vdev_id) return -EEXIST;
  int id = obj_alloc(c, OBJ_VDEVICE);
  if (id < 0) return id;
  obj_hold(c, (uint32_t)id, 0, cmd->viommu_id);
  idev->vdev_id = (uint32_t)id;
  cmd->out_vdevice_id = (uint32_t)id;
  int rc = respond(u, sizeof *cmd);
  if (rc) obj_free(c, u->ci, (uint32_t)id);
  return rc;
}

/* eventq.c iommufd_veventq_alloc */
static long do_veventq_alloc(struct ucmd *u) {
  struct iommu_veventq_alloc *cmd = &u->cmd.veventq;
  struct fk_ctx *c = u->c;
  if (cmd->flags || cmd->__reserved || cmd->type == IOMMU_VEVENTQ_TYPE_DEFAULT) return -EOPNOTSUPP;
  if (!cmd->veventq_depth || cmd->veventq_depth > (1U << 19)) return -EINVAL;
  if (!obj_get(c, cmd->viommu_id, OBJ_VIOMMU)) return -ENOENT;
  for (uint32_t i = 1; i < FK_MAX_OBJS; i++)
    if (c->obj[i].type == OBJ_VEVENTQ && c->obj[i].ref[0] == cmd->viommu_id && c->obj[i].viommu_type == cmd->type)
      return -EEXIST;
  int id = obj_alloc(c, OBJ_VEVENTQ);
  if (id < 0) return id;
  int fd = fk_new_eventfd();
  if (fd < 0) {
    obj_free(c, u->ci, (uint32_t)id);
    return fd;
  }
  c->obj[id].viommu_type = cmd->type;
  obj_hold(c, (uint32_t)id, 0, cmd->viommu_id);
  cmd->out_veventq_id = (uint32_t)id;
  cmd->out_veventq_fd = (uint32_t)fd;
  int rc = respond(u, sizeof *cmd);
  if (rc) {
    fk_close_fd(fd);
    obj_free(c, u->ci, (uint32_t)id);
  }
  return rc;
}

/* ioas.c iommufd_ioas_change_process: only file-backed areas may change owner */
static long do_change_process(struct ucmd *u) {
  if (u->cmd.change_process.__reserved) return -EOPNOTSUPP;
  for (int i = 0; i < fk_map_count(); i++) {
    struct fk_map *m = fk_map_at(i);
    if (m && m->ctx == u->ci && m->uaddr) return -EINVAL;
  }
  return 0;
}

/* Not emulated beyond the common struct copy. */
static long do_hw_queue_alloc(struct ucmd *u) { (void)u; return -EOPNOTSUPP; }
static long do_noiommu_get_pa(struct ucmd *u) { (void)u; return -EOPNOTSUPP; } /* !CONFIG_IOMMUFD_NOIOMMU */

struct op {
  unsigned size, min_size, ioctl_num;
  long (*execute)(struct ucmd *);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last) \
  [_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {sizeof(_struct), fk_offsetofend(_struct, _last), _ioctl, _fn}

/* main.c iommufd_ioctl_ops[] (without CONFIG_IOMMUFD_TEST) */
static const struct op ops[] = {
    IOCTL_OP(IOMMU_DESTROY, do_destroy, struct iommu_destroy, id),
    IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, do_fault_alloc, struct iommu_fault_alloc, out_fault_fd),
    IOCTL_OP(IOMMU_GET_HW_INFO, do_get_hw_info, struct iommu_hw_info, __reserved),
    IOCTL_OP(IOMMU_HW_QUEUE_ALLOC, do_hw_queue_alloc, struct iommu_hw_queue_alloc, length),
    IOCTL_OP(IOMMU_HWPT_ALLOC, do_hwpt_alloc, struct iommu_hwpt_alloc, __reserved),
    IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, do_get_dirty_bitmap, struct iommu_hwpt_get_dirty_bitmap, data),
    IOCTL_OP(IOMMU_HWPT_INVALIDATE, do_hwpt_invalidate, struct iommu_hwpt_invalidate, __reserved),
    IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, do_set_dirty_tracking, struct iommu_hwpt_set_dirty_tracking, __reserved),
    IOCTL_OP(IOMMU_IOAS_ALLOC, do_ioas_alloc, struct iommu_ioas_alloc, out_ioas_id),
    IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, do_allow_iovas, struct iommu_ioas_allow_iovas, allowed_iovas),
    IOCTL_OP(IOMMU_IOAS_CHANGE_PROCESS, do_change_process, struct iommu_ioas_change_process, __reserved),
    IOCTL_OP(IOMMU_IOAS_COPY, do_ioas_copy, struct iommu_ioas_copy, src_iova),
    IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, do_iova_ranges, struct iommu_ioas_iova_ranges, out_iova_alignment),
    IOCTL_OP(IOMMU_IOAS_MAP, do_ioas_map, struct iommu_ioas_map, iova),
    IOCTL_OP(IOMMU_IOAS_MAP_FILE, do_ioas_map_file, struct iommu_ioas_map_file, iova),
    IOCTL_OP(IOMMU_IOAS_NOIOMMU_GET_PA, do_noiommu_get_pa, struct iommu_ioas_noiommu_get_pa, out_phys),
    IOCTL_OP(IOMMU_IOAS_UNMAP, do_ioas_unmap, struct iommu_ioas_unmap, length),
    IOCTL_OP(IOMMU_OPTION, do_option, struct iommu_option, val64),
    IOCTL_OP(IOMMU_VDEVICE_ALLOC, do_vdevice_alloc, struct iommu_vdevice_alloc, virt_id),
    IOCTL_OP(IOMMU_VEVENTQ_ALLOC, do_veventq_alloc, struct iommu_veventq_alloc, out_veventq_fd),
    IOCTL_OP(IOMMU_VFIO_IOAS, do_vfio_ioas, struct iommu_vfio_ioas, __reserved),
    IOCTL_OP(IOMMU_VIOMMU_ALLOC, do_viommu_alloc, struct iommu_viommu_alloc, out_viommu_id),
};

/* main.c iommufd_fops_ioctl: get_user of the u32 size, then copy_struct_from_user of all
 * user_size bytes (trailing bytes must be zero), then the op. */
long fk_iommufd_ioctl(int ci, unsigned int cmd, uint64_t arg) {
  unsigned nr = _IOC_NR(cmd);
  if (nr < IOMMUFD_CMD_BASE || nr - IOMMUFD_CMD_BASE >= sizeof ops / sizeof ops[0])
    return -FK_ENOIOCTLCMD; /* iommufd_vfio_ioctl (the VFIO container compat API) is not emulated */
  struct ucmd u;
  memset(&u, 0, sizeof u);
  u.ci = ci;
  u.c = C(ci);
  u.ubuffer = arg;
  if (fk_get_user_u32(&u.user_size, arg)) return -EFAULT;
  const struct op *op = &ops[nr - IOMMUFD_CMD_BASE];
  if (op->ioctl_num != cmd) return -FK_ENOIOCTLCMD;
  if (u.user_size < op->min_size) return -EINVAL;
  int rc = fk_copy_struct_from_user(&u.cmd, op->size, arg, u.user_size);
  if (rc) return rc;
  return op->execute(&u);
}

/* ------------------------------------------------------------------ services for vfio */

/* iommufd_device_bind: a DEVICE object, held by the driver (users 2: DESTROY gets EBUSY). */
int fk_iommufd_bind(int ici, int dev_ci, uint32_t *devid) {
  struct fk_ctx *c = C(ici);
  int id = obj_alloc(c, OBJ_DEVICE);
  if (id < 0) return id;
  c->obj[id].users = 2;
  c->obj[id].dev_ctx = dev_ci;
  *devid = (uint32_t)id;
  return 0;
}

void fk_iommufd_unbind(int ici, uint32_t devid) {
  struct fk_ctx *c = C(ici);
  struct fk_obj *d = obj_get(c, devid, OBJ_DEVICE);
  if (!d) return;
  if (d->vdev_id) obj_free(c, ici, d->vdev_id);
  obj_free(c, ici, devid);
}

/* iommufd_device_attach / replace: an IOAS gets an automatic HWPT_PAGING, whose id is returned. */
int fk_iommufd_attach(int ici, uint32_t devid, uint32_t *pt_id) {
  struct fk_ctx *c = C(ici);
  struct fk_obj *d = obj_get(c, devid, OBJ_DEVICE);
  if (!d) return -ENOENT;
  struct fk_obj *pt = obj_get(c, *pt_id, OBJ_FREE);
  if (!pt) return -ENOENT;
  uint32_t hwpt;
  if (pt->type == OBJ_IOAS) {
    int id = obj_alloc(c, OBJ_HWPT_PAGING);
    if (id < 0) return id;
    c->obj[id].auto_domain = 1;
    obj_hold(c, (uint32_t)id, 0, *pt_id);
    pt->iova_alignment = fk_max(pt->iova_alignment, FK_PAGE_SIZE);
    hwpt = (uint32_t)id;
  } else if (pt->type == OBJ_HWPT_PAGING || pt->type == OBJ_HWPT_NESTED) {
    hwpt = *pt_id;
  } else {
    return -EINVAL;
  }
  uint32_t old = d->ref[0];
  obj_hold(c, devid, 0, hwpt);
  if (old) obj_put(c, ici, old);
  *pt_id = hwpt;
  return 0;
}

void fk_iommufd_detach(int ici, uint32_t devid) {
  struct fk_ctx *c = C(ici);
  struct fk_obj *d = obj_get(c, devid, OBJ_DEVICE);
  if (!d || !d->ref[0]) return;
  uint32_t old = d->ref[0];
  d->ref[0] = 0;
  obj_put(c, ici, old);
}

/* iommufd_vfio_compat_ioas_create */
int fk_iommufd_compat_ioas(int ici, uint32_t *ioas_id) {
  struct fk_ctx *c = C(ici);
  if (!c->vfio_ioas || !obj_get(c, c->vfio_ioas, OBJ_IOAS)) {
    int id = obj_alloc(c, OBJ_IOAS);
    if (id < 0) return id;
    c->vfio_ioas = (uint32_t)id;
  }
  *ioas_id = c->vfio_ioas;
  return 0;
}
