/*
 * The fake VFIO side (drivers/vfio/ of Linux 7.3): a vfio-pci device (cdev or group-opened),
 * a group and a container with the type1 (and, as if on ppc64, the SPAPR TCE v2) IOMMU driver.
 *
 * The fake PCI function: an SR-IOV PF (so it has a VF token) with migration and DMA logging;
 * BAR0 64 KiB mmap-able with a sparse-mmap capability of 2 areas, BAR2 16 KiB, a 4 KiB config
 * space, no ROM/VGA; INTx 1, MSI 1, MSI-X 8, ERR 1, REQ 1 interrupts; a slot of 2 functions
 * for hot reset. Its AtomicOps completer capability gives VFIO_DEVICE_GET_INFO a cap chain.
 */
#define _GNU_SOURCE
#include "fake-kernel.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FK_PCI_OFFSET_SHIFT 40 /* include/linux/vfio_pci_core.h VFIO_PCI_OFFSET_SHIFT */
#define FK_PCI_INDEX_TO_OFFSET(i) ((uint64_t)(i) << FK_PCI_OFFSET_SHIFT)
#define FK_PGSIZE_BITMAP 0x40201000ULL /* 4K | 2M | 1G */
#define FK_IOVA_LAST ((1ULL << 48) - 1)
#define FK_RESV_START 0xfee00000ULL
#define FK_RESV_LAST 0xfeefffffULL
#define DIRTY_BITMAP_BYTES(n) ((((n) + 63) / 64) * 8)
#define DIRTY_BITMAP_SIZE_MAX DIRTY_BITMAP_BYTES((uint64_t)0x7fffffff)

static struct fk_ctx *C(int ci) { return fk_ctxs[ci]; }

/* ------------------------------------------------------------------ capability chains */
/* vfio_main.c vfio_info_cap_add / vfio_info_cap_shift, in a fixed buffer */
struct caps {
  uint8_t buf[256];
  size_t size;
};

static void cap_add(struct caps *c, const void *cap, size_t size) {
  size_t aligned = (size + 7) & ~(size_t)7;
  struct vfio_info_cap_header *h = (void *)(c->buf + c->size), *tmp;
  memset(h, 0, aligned);
  memcpy(h, cap, size);
  h->next = 0;
  for (tmp = (void *)c->buf; tmp->next; tmp = (void *)(c->buf + tmp->next)) {
  }
  if (c->size) tmp->next = (uint32_t)c->size;
  c->size += aligned;
}

static void cap_shift(struct caps *c, size_t offset) {
  struct vfio_info_cap_header *tmp;
  for (tmp = (void *)c->buf; tmp->next; tmp = (void *)(c->buf + tmp->next - offset)) tmp->next += (uint32_t)offset;
}

/* ------------------------------------------------------------------ the PCI function */

static const struct { uint64_t size; uint32_t flags; } regions[VFIO_PCI_NUM_REGIONS] = {
    [VFIO_PCI_BAR0_REGION_INDEX] = {0x10000, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP},
    [VFIO_PCI_BAR2_REGION_INDEX] = {0x4000, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP},
    [VFIO_PCI_CONFIG_REGION_INDEX] = {4096, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE},
};

static uint32_t irq_count(uint32_t index) {
  switch (index) {
    case VFIO_PCI_INTX_IRQ_INDEX: return 1;
    case VFIO_PCI_MSI_IRQ_INDEX: return 1;
    case VFIO_PCI_MSIX_IRQ_INDEX: return 8;
    case VFIO_PCI_ERR_IRQ_INDEX: return 1;
    case VFIO_PCI_REQ_IRQ_INDEX: return 1;
  }
  return 0;
}

#define FK_MIG_FLAGS (VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY)
#define FK_SLOT_DEVICES 2

/* device_cdev.c vfio_df_ioctl_bind_iommufd (+ vfio_df_check_token ->
 * vfio_pci_core_match_token_uuid: a PF whose VF token has no users accepts any uuid) */
static long dev_bind(int ci, uint64_t arg) {
  struct fk_ctx *c = C(ci);
  struct vfio_device_bind_iommufd bind;
  const size_t minsz = fk_offsetofend(struct vfio_device_bind_iommufd, out_devid);
  uint32_t user_size;
  if (fk_get_user_u32(&user_size, arg)) return -EFAULT;
  if (user_size < minsz) return -EINVAL;
  int rc = fk_copy_struct_from_user(&bind, sizeof bind, arg, user_size);
  if (rc) return rc;
  if (bind.iommufd < 0 || (bind.flags & ~VFIO_DEVICE_BIND_FLAG_TOKEN)) return -EINVAL;
  if (c->group_ctx >= 0) return -EINVAL; /* only cdev fds */
  if (c->access_granted) return -EINVAL; /* bound twice */
  if (bind.flags & VFIO_DEVICE_BIND_FLAG_TOKEN) {
    uint8_t uuid[16];
    if (fk_copy_from_user(uuid, bind.token_uuid_ptr, sizeof uuid)) return -EFAULT;
  }
  if (!fk_fd_valid(bind.iommufd)) return -EBADF;
  if (fk_classify(bind.iommufd) != FK_IOMMUFD) return -EBADFD; /* iommufd_ctx_from_fd */
  int ici = fk_ctx_for_fd(bind.iommufd, FK_IOMMUFD);
  if (ici < 0) return ici;
  uint32_t devid;
  rc = fk_iommufd_bind(ici, ci, &devid);
  if (rc) return rc;
  if (fk_copy_to_user(arg + offsetof(struct vfio_device_bind_iommufd, out_devid), &devid, sizeof devid)) {
    fk_iommufd_unbind(ici, devid);
    return -EFAULT;
  }
  c->iommufd_ctx = ici;
  c->devid = devid;
  c->access_granted = 1;
  return 0;
}

/* device_cdev.c vfio_df_ioctl_attach_pt */
static long dev_attach(int ci, uint64_t arg) {
  struct fk_ctx *c = C(ci);
  struct vfio_device_attach_iommufd_pt attach = {0};
  const size_t minsz = fk_offsetofend(struct vfio_device_attach_iommufd_pt, pt_id);
  size_t xend = 0;
  if (fk_copy_from_user(&attach, arg, minsz)) return -EFAULT;
  if (attach.argsz < minsz) return -EINVAL;
  if (attach.flags & ~VFIO_DEVICE_ATTACH_PASID) return -EINVAL;
  if (attach.flags & VFIO_DEVICE_ATTACH_PASID) xend = fk_offsetofend(struct vfio_device_attach_iommufd_pt, pasid);
  if (xend) {
    if (attach.argsz < xend) return -EINVAL;
    if (fk_copy_from_user((uint8_t *)&attach + minsz, arg + minsz, xend - minsz)) return -EFAULT;
  }
  uint32_t pt = attach.pt_id;
  int rc;
  if (attach.flags & VFIO_DEVICE_ATTACH_PASID) {
    /* PASID attachments are validated but not tracked by the fake. */
    rc = 0;
  } else {
    rc = fk_iommufd_attach(c->iommufd_ctx, c->devid, &pt);
  }
  if (rc) return rc;
  if (fk_copy_to_user(arg + offsetof(struct vfio_device_attach_iommufd_pt, pt_id), &pt, sizeof pt)) {
    if (!(attach.flags & VFIO_DEVICE_ATTACH_PASID)) fk_iommufd_detach(c->iommufd_ctx, c->devid);
    return -EFAULT;
  }
  c->attached_pt = pt;
  return 0;
}

/* device_cdev.c vfio_df_ioctl_detach_pt */
static long dev_detach(int ci, uint64_t arg) {
  struct fk_ctx *c = C(ci);
  struct vfio_device_detach_iommufd_pt detach = {0};
  const size_t minsz = fk_offsetofend(struct vfio_device_detach_iommufd_pt, flags);
  size_t xend = 0;
  if (fk_copy_from_user(&detach, arg, minsz)) return -EFAULT;
  if (detach.argsz < minsz) return -EINVAL;
  if (detach.flags & ~VFIO_DEVICE_DETACH_PASID) return -EINVAL;
  if (detach.flags & VFIO_DEVICE_DETACH_PASID) xend = fk_offsetofend(struct vfio_device_detach_iommufd_pt, pasid);
  if (xend) {
    if (detach.argsz < xend) return -EINVAL;
    if (fk_copy_from_user((uint8_t *)&detach + minsz, arg + minsz, xend - minsz)) return -EFAULT;
  }
  if (!(detach.flags & VFIO_DEVICE_DETACH_PASID)) {
    fk_iommufd_detach(c->iommufd_ctx, c->devid);
    c->attached_pt = 0;
  }
  return 0;
}

/* pci/vfio_pci_core.c vfio_pci_ioctl_get_info: copy_to_user of min(argsz, sizeof) bytes, caps
 * at arg + sizeof(info) only when argsz has room for all of them. */
static long dev_get_info(uint64_t arg) {
  const size_t minsz0 = fk_offsetofend(struct vfio_device_info, num_irqs);
  struct vfio_device_info info = {0};
  struct caps caps = {.size = 0};
  if (fk_copy_from_user(&info, arg, minsz0)) return -EFAULT;
  if (info.argsz < minsz0) return -EINVAL;
  size_t minsz = fk_min((size_t)info.argsz, sizeof info);
  info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
  info.num_regions = VFIO_PCI_NUM_REGIONS;
  info.num_irqs = VFIO_PCI_NUM_IRQS;
  struct vfio_device_info_cap_pci_atomic_comp atomic = {
      .header = {.id = VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP, .version = 1},
      .flags = VFIO_PCI_ATOMIC_COMP32 | VFIO_PCI_ATOMIC_COMP64,
  };
  cap_add(&caps, &atomic, sizeof atomic); /* vfio_pci_info_atomic_cap */
  if (caps.size) {
    info.flags |= VFIO_DEVICE_FLAGS_CAPS;
    if (info.argsz < sizeof info + caps.size) {
      info.argsz = (uint32_t)(sizeof info + caps.size);
    } else {
      cap_shift(&caps, sizeof info);
      if (fk_copy_to_user(arg + sizeof info, caps.buf, caps.size)) return -EFAULT;
      info.cap_offset = sizeof info;
    }
  }
  return fk_copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* vfio_main.c vfio_get_region_info + pci/vfio_pci_core.c vfio_pci_ioctl_get_region_info */
static long dev_get_region_info(uint64_t arg) {
  const size_t minsz = fk_offsetofend(struct vfio_region_info, offset);
  struct vfio_region_info info = {0};
  struct caps caps = {.size = 0};
  if (fk_copy_from_user(&info, arg, minsz)) return -EFAULT;
  if (info.argsz < minsz) return -EINVAL;
  if (info.index == VFIO_PCI_VGA_REGION_INDEX || info.index >= VFIO_PCI_NUM_REGIONS) return -EINVAL; /* no VGA */
  info.offset = FK_PCI_INDEX_TO_OFFSET(info.index);
  info.size = regions[info.index].size;
  info.flags = info.size ? regions[info.index].flags : 0;
  if (info.index == VFIO_PCI_BAR0_REGION_INDEX) {
    struct {
      struct vfio_region_info_cap_sparse_mmap hdr;
      struct vfio_region_sparse_mmap_area areas[2];
    } sparse = {
        .hdr = {.header = {.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = 1}, .nr_areas = 2},
        .areas = {{.offset = 0, .size = 0x1000}, {.offset = 0x3000, .size = 0xd000}},
    };
    cap_add(&caps, &sparse, sizeof sparse); /* 48 bytes */
  }
  if (caps.size) {
    info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
    if (info.argsz < sizeof info + caps.size) {
      info.argsz = (uint32_t)(sizeof info + caps.size);
      info.cap_offset = 0;
    } else {
      cap_shift(&caps, sizeof info);
      if (fk_copy_to_user(arg + sizeof info, caps.buf, caps.size)) return -EFAULT;
      info.cap_offset = sizeof info;
    }
  }
  return fk_copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* pci/vfio_pci_core.c vfio_pci_ioctl_get_irq_info */
static long dev_get_irq_info(uint64_t arg) {
  const size_t minsz = fk_offsetofend(struct vfio_irq_info, count);
  struct vfio_irq_info info;
  if (fk_copy_from_user(&info, arg, minsz)) return -EFAULT;
  if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS) return -EINVAL;
  info.flags = VFIO_IRQ_INFO_EVENTFD;
  info.count = irq_count(info.index);
  if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
    info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
  else
    info.flags |= VFIO_IRQ_INFO_NORESIZE; /* no dynamic MSI-X */
  return fk_copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* pci/vfio_pci_core.c vfio_pci_ioctl_set_irqs + vfio_main.c vfio_set_irqs_validate_and_prepare:
 * data_size = count * (0 | 1 | 4) bytes are read after the header (memdup_user). */
static long dev_set_irqs(uint64_t arg) {
  const size_t minsz = fk_offsetofend(struct vfio_irq_set, count);
  struct vfio_irq_set hdr;
  size_t size, data_size = 0;
  if (fk_copy_from_user(&hdr, arg, minsz)) return -EFAULT;
  uint32_t max = irq_count(hdr.index);
  if (hdr.argsz < minsz || hdr.index >= VFIO_PCI_NUM_IRQS || hdr.count >= (UINT32_MAX - hdr.start) ||
      (hdr.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
    return -EINVAL;
  if (hdr.start >= max || hdr.start + hdr.count > max) return -EINVAL;
  switch (hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
    case VFIO_IRQ_SET_DATA_NONE: size = 0; break;
    case VFIO_IRQ_SET_DATA_BOOL: size = sizeof(uint8_t); break;
    case VFIO_IRQ_SET_DATA_EVENTFD: size = sizeof(int32_t); break;
    default: return -EINVAL;
  }
  if (size) {
    if (hdr.argsz - minsz < hdr.count * size) return -EINVAL;
    data_size = hdr.count * size;
  }
  uint8_t *data = NULL;
  if (data_size) {
    data = malloc(data_size);
    if (!data) return -ENOMEM;
    if (fk_copy_from_user(data, arg + minsz, data_size)) {
      free(data);
      return -EFAULT;
    }
  }
  long rc = 0;
  if ((hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) == VFIO_IRQ_SET_DATA_EVENTFD) {
    for (uint32_t i = 0; i < hdr.count && !rc; i++) { /* eventfd_ctx_fdget() */
      int32_t fd;
      memcpy(&fd, data + 4 * i, 4);
      if (fd >= 0 && !fk_fd_valid(fd)) rc = -EBADF;
    }
  }
  free(data);
  return rc;
}

/* pci/vfio_pci_core.c vfio_pci_ioctl_get_pci_hot_reset_info: the devices array is written only
 * when argsz holds all of them; otherwise ENOSPC and the header (with count) is written. */
static long dev_get_hot_reset_info(int ci, uint64_t arg) {
  struct fk_ctx *c = C(ci);
  const size_t minsz = fk_offsetofend(struct vfio_pci_hot_reset_info, count);
  struct vfio_pci_hot_reset_info hdr;
  struct vfio_pci_dependent_device devices[FK_SLOT_DEVICES];
  long rc = 0;
  if (fk_copy_from_user(&hdr, arg, minsz)) return -EFAULT;
  if (hdr.argsz < minsz) return -EINVAL;
  hdr.flags = 0;
  uint32_t count = FK_SLOT_DEVICES;
  if (count > (hdr.argsz - sizeof hdr) / sizeof devices[0]) {
    hdr.count = count;
    rc = -ENOSPC;
  } else {
    memset(devices, 0, sizeof devices);
    uint32_t flags = 0;
    for (uint32_t i = 0; i < count; i++) {
      devices[i].segment = 0;
      devices[i].bus = 1;
      devices[i].devfn = (uint8_t)i;
    }
    if (c->group_ctx < 0) { /* cdev: dev ids; the other function is not ours */
      flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID;
      devices[0].devid = c->devid;
      devices[1].devid = (uint32_t)VFIO_PCI_DEVID_NOT_OWNED;
    } else {
      devices[0].group_id = 42;
      devices[1].group_id = 43;
    }
    if (fk_copy_to_user(arg + offsetof(struct vfio_pci_hot_reset_info, devices), devices, sizeof devices[0] * count))
      return -EFAULT;
    hdr.count = count;
    hdr.flags = flags;
  }
  if (fk_copy_to_user(arg, &hdr, minsz)) rc = -EFAULT;
  return rc;
}

/* pci/vfio_pci_core.c vfio_pci_ioctl_pci_hot_reset (+ _groups): count * 4 group fds are read
 * after the header whatever argsz says (the kernel does not check it against count). */
static long dev_pci_hot_reset(int ci, uint64_t arg) {
  struct fk_ctx *c = C(ci);
  const size_t minsz = fk_offsetofend(struct vfio_pci_hot_reset, count);
  struct vfio_pci_hot_reset hdr;
  if (fk_copy_from_user(&hdr, arg, minsz)) return -EFAULT;
  if (hdr.argsz < minsz || hdr.flags) return -EINVAL;
  int cdev = c->group_ctx < 0;
  if (!!hdr.count == cdev) return -EINVAL; /* a zero-length array only for cdev */
  if (!hdr.count) return 0;
  if (hdr.count > FK_SLOT_DEVICES) return -EINVAL;
  int32_t fds[FK_SLOT_DEVICES];
  if (fk_copy_from_user(fds, arg + offsetof(struct vfio_pci_hot_reset, group_fds), hdr.count * sizeof fds[0])) return -EFAULT;
  for (uint32_t i = 0; i < hdr.count; i++) {
    if (!fk_fd_valid(fds[i])) return -EBADF;
    if (fk_classify(fds[i]) != FK_VFIO_GROUP) return -EINVAL; /* vfio_file_is_group */
  }
  return 0;
}

/* pci/vfio_pci_core.c vfio_pci_ioctl_ioeventfd */
static long dev_ioeventfd(uint64_t arg) {
  const size_t minsz = fk_offsetofend(struct vfio_device_ioeventfd, fd);
  struct vfio_device_ioeventfd ev;
  if (fk_copy_from_user(&ev, arg, minsz)) return -EFAULT;
  if (ev.argsz < minsz) return -EINVAL;
  if (ev.flags & ~VFIO_DEVICE_IOEVENTFD_SIZE_MASK) return -EINVAL;
  uint32_t count = ev.flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
  if (__builtin_popcount(count) != 1 || ev.fd < -1) return -EINVAL;
  return 0;
}

/* include/linux/vfio.h vfio_check_feature */
static int check_feature(uint32_t flags, size_t argsz, uint32_t supported, size_t minsz) {
  if ((flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)) & ~supported) return -EINVAL;
  if (flags & VFIO_DEVICE_FEATURE_PROBE) return 0;
  if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET))) return -EINVAL;
  if (argsz < minsz) return -EINVAL;
  return 1;
}

/* DMA logging report: the iova_bitmap of every page in [iova, iova + length). */
static long feature_logging_report(struct fk_ctx *c, uint32_t flags, uint64_t data, size_t argsz) {
  struct vfio_device_feature_dma_logging_report report;
  const size_t minsz = fk_offsetofend(struct vfio_device_feature_dma_logging_report, bitmap);
  int ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET, sizeof report);
  if (ret != 1) return ret;
  if (fk_copy_from_user(&report, data, minsz)) return -EFAULT;
  if (report.page_size < 4096 || (report.page_size & (report.page_size - 1))) return -EINVAL;
  uint64_t end;
  if (__builtin_add_overflow(report.iova, report.length, &end)) return -EOVERFLOW;
  if (!c->logging) return -EINVAL; /* the driver's log_read_and_clear without log_start */
  if (!report.length) return 0;
  uint64_t npages = ((report.length - 1) >> __builtin_ctzll(report.page_size)) + 1;
  if (report.bitmap && fk_access_ok(report.bitmap, 1)) fk_user_bitmap_set(report.bitmap, 0, npages);
  return 0;
}

/* vfio_main.c vfio_ioctl_device_feature + the feature handlers it calls (migration, DMA
 * logging) and pci/vfio_pci_core.c vfio_pci_core_ioctl_feature (low power, VF token, DMA buf).
 * A feature's payload is at arg + 8 and argsz - 8 bytes long. */
static long dev_feature(int ci, uint64_t arg) {
  struct fk_ctx *c = C(ci);
  const size_t minsz = fk_offsetofend(struct vfio_device_feature, flags);
  struct vfio_device_feature feature;
  if (fk_copy_from_user(&feature, arg, minsz)) return -EFAULT;
  if (feature.argsz < minsz) return -EINVAL;
  if (feature.flags & ~(VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PROBE))
    return -EINVAL;
  if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) && (feature.flags & VFIO_DEVICE_FEATURE_SET) &&
      (feature.flags & VFIO_DEVICE_FEATURE_GET))
    return -EINVAL;
  uint32_t flags = feature.flags;
  uint64_t data = arg + minsz;
  size_t argsz = feature.argsz - minsz;
  int ret;
  switch (flags & VFIO_DEVICE_FEATURE_MASK) {
    case VFIO_DEVICE_FEATURE_MIGRATION: { /* vfio_ioctl_device_feature_migration */
      struct vfio_device_feature_migration mig = {.flags = FK_MIG_FLAGS};
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET, sizeof mig);
      if (ret != 1) return ret;
      return fk_copy_to_user(data, &mig, sizeof mig) ? -EFAULT : 0;
    }
    case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: { /* vfio_ioctl_device_feature_mig_device_state */
      struct vfio_device_feature_mig_state mig;
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_GET, sizeof mig);
      if (ret != 1) return ret;
      if (fk_copy_from_user(&mig, data, fk_offsetofend(struct vfio_device_feature_mig_state, data_fd))) return -EFAULT;
      long err = 0;
      mig.data_fd = -1;
      if (flags & VFIO_DEVICE_FEATURE_GET) {
        mig.device_state = c->mig_state;
      } else if (mig.device_state == VFIO_DEVICE_STATE_ERROR || mig.device_state >= VFIO_DEVICE_STATE_NR) {
        err = -EINVAL; /* vfio_mig_get_next_state: the struct is still copied back */
      } else {
        c->mig_state = mig.device_state;
        if (mig.device_state == VFIO_DEVICE_STATE_STOP_COPY || mig.device_state == VFIO_DEVICE_STATE_RESUMING ||
            mig.device_state == VFIO_DEVICE_STATE_PRE_COPY || mig.device_state == VFIO_DEVICE_STATE_PRE_COPY_P2P) {
          int fd = fk_new_eventfd(); /* the migration data file */
          if (fd < 0) return fd;
          mig.data_fd = fd;
          if (fk_copy_to_user(data, &mig, sizeof mig)) {
            fk_close_fd(fd);
            return -EFAULT;
          }
          return 0;
        }
      }
      if (fk_copy_to_user(data, &mig, sizeof mig)) return -EFAULT;
      return err;
    }
    case VFIO_DEVICE_FEATURE_DMA_LOGGING_START: { /* vfio_ioctl_device_feature_logging_start */
      struct vfio_device_feature_dma_logging_control control;
      struct vfio_device_feature_dma_logging_range ranges[256];
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, sizeof control);
      if (ret != 1) return ret;
      if (fk_copy_from_user(&control, data, fk_offsetofend(struct vfio_device_feature_dma_logging_control, ranges)))
        return -EFAULT;
      uint32_t n = control.num_ranges;
      if (!n) return -EINVAL;
      if (n > 4096 / sizeof ranges[0]) return -E2BIG; /* LOG_MAX_RANGES */
      for (uint32_t i = 0; i < n; i++) {
        struct vfio_device_feature_dma_logging_range *r = &ranges[i];
        uint64_t end;
        if (fk_copy_from_user(r, control.ranges + (uint64_t)i * sizeof *r, sizeof *r)) return -EFAULT;
        if ((r->iova & (control.page_size - 1)) || (r->length & (control.page_size - 1))) return -EINVAL;
        if (__builtin_add_overflow(r->iova, r->length, &end)) return -EOVERFLOW;
        for (uint32_t j = 0; j < i; j++)
          if (r->iova <= ranges[j].iova + ranges[j].length - 1 && ranges[j].iova <= r->iova + r->length - 1) return -EINVAL;
      }
      c->logging = 1;
      return fk_copy_to_user(data, &control, sizeof control) ? -EFAULT : 0;
    }
    case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
      if (ret != 1) return ret;
      c->logging = 0;
      return 0;
    case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
      return feature_logging_report(c, flags, data, argsz);
    case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: { /* vfio_ioctl_device_feature_migration_data_size */
      struct vfio_device_feature_mig_data_size size = {.stop_copy_length = 0x100000};
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET, sizeof size);
      if (ret != 1) return ret;
      return fk_copy_to_user(data, &size, sizeof size) ? -EFAULT : 0;
    }
    case VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2: /* vfio_ioctl_device_feature_migration_precopy_info_v2 */
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
      return ret != 1 ? ret : 0;
    /* pci/vfio_pci_core.c vfio_pci_core_ioctl_feature */
    case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
    case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
      if (ret != 1) return ret;
      c->low_power = (flags & VFIO_DEVICE_FEATURE_MASK) == VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
      return 0;
    case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP: {
      struct vfio_device_low_power_entry_with_wakeup entry;
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, sizeof entry);
      if (ret != 1) return ret;
      if (fk_copy_from_user(&entry, data, sizeof entry)) return -EFAULT;
      if (entry.wakeup_eventfd < 0) return -EINVAL;
      if (!fk_fd_valid(entry.wakeup_eventfd)) return -EBADF;
      c->low_power = 1;
      return 0;
    }
    case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: { /* vfio_pci_core_feature_token */
      uint8_t uuid[16];
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, sizeof uuid);
      if (ret != 1) return ret;
      return fk_copy_from_user(uuid, data, sizeof uuid) ? -EFAULT : 0;
    }
    case VFIO_DEVICE_FEATURE_DMA_BUF: { /* vfio_pci_dmabuf.c vfio_pci_core_feature_dma_buf */
      struct vfio_device_feature_dma_buf get = {0};
      ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET, sizeof get);
      if (ret != 1) return ret;
      if (fk_copy_from_user(&get, data, sizeof get)) return -EFAULT;
      if (!get.nr_ranges || get.flags) return -EINVAL;
      if (get.region_index >= VFIO_PCI_ROM_REGION_INDEX || !regions[get.region_index].size) return -ENODEV;
      size_t nbytes = (size_t)get.nr_ranges * sizeof(struct vfio_region_dma_range);
      struct vfio_region_dma_range *r = malloc(nbytes);
      if (!r) return -ENOMEM;
      if (fk_copy_from_user(r, data + offsetof(struct vfio_device_feature_dma_buf, dma_ranges), nbytes)) {
        free(r);
        return -EFAULT;
      }
      long rc = 0;
      for (uint32_t i = 0; i < get.nr_ranges && !rc; i++) {
        if (!r[i].length || (r[i].offset & 4095) || (r[i].length & 4095)) rc = -EINVAL;
        else if (r[i].offset + r[i].length < r[i].offset || r[i].offset + r[i].length > regions[get.region_index].size) rc = -EINVAL;
      }
      free(r);
      return rc ? rc : fk_new_eventfd(); /* dma_buf_fd() */
    }
    default:
      return -ENOTTY;
  }
}

long fk_vfio_device_ioctl(int ci, unsigned int cmd, uint64_t arg) {
  struct fk_ctx *c = C(ci);
  /* vfio_main.c vfio_device_fops_unl_ioctl */
  if (cmd == VFIO_DEVICE_BIND_IOMMUFD) return dev_bind(ci, arg);
  if (!c->access_granted) return -EINVAL;
  if (c->group_ctx < 0) {
    if (cmd == VFIO_DEVICE_ATTACH_IOMMUFD_PT) return dev_attach(ci, arg);
    if (cmd == VFIO_DEVICE_DETACH_IOMMUFD_PT) return dev_detach(ci, arg);
  }
  switch (cmd) {
    case VFIO_DEVICE_FEATURE: return dev_feature(ci, arg);
    case VFIO_DEVICE_GET_REGION_INFO: return dev_get_region_info(arg);
    /* pci/vfio_pci_core.c vfio_pci_core_ioctl */
    case VFIO_DEVICE_GET_INFO: return dev_get_info(arg);
    case VFIO_DEVICE_GET_IRQ_INFO: return dev_get_irq_info(arg);
    case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: return dev_get_hot_reset_info(ci, arg);
    case VFIO_DEVICE_IOEVENTFD: return dev_ioeventfd(arg);
    case VFIO_DEVICE_PCI_HOT_RESET: return dev_pci_hot_reset(ci, arg);
    case VFIO_DEVICE_RESET: return 0; /* reset_works; no user memory */
    case VFIO_DEVICE_SET_IRQS: return dev_set_irqs(arg);
  }
  return -ENOTTY;
}

/* ------------------------------------------------------------------ group (group.c) */

static int group_has_iommu(struct fk_ctx *g) { return g->container_ctx >= 0 || g->group_iommufd_ctx >= 0; }

long fk_vfio_group_ioctl(int ci, unsigned int cmd, uint64_t arg) {
  struct fk_ctx *g = C(ci);
  switch (cmd) {
    case VFIO_GROUP_GET_STATUS: { /* vfio_group_ioctl_get_status */
      const size_t minsz = fk_offsetofend(struct vfio_group_status, flags);
      struct vfio_group_status status;
      if (fk_copy_from_user(&status, arg, minsz)) return -EFAULT;
      if (status.argsz < minsz) return -EINVAL;
      status.flags = group_has_iommu(g) ? VFIO_GROUP_FLAGS_CONTAINER_SET | VFIO_GROUP_FLAGS_VIABLE : VFIO_GROUP_FLAGS_VIABLE;
      return fk_copy_to_user(arg, &status, minsz) ? -EFAULT : 0;
    }
    case VFIO_GROUP_SET_CONTAINER: { /* vfio_group_ioctl_set_container: get_user(fd, (int __user *)arg) */
      int32_t fd;
      if (fk_copy_from_user(&fd, arg, sizeof fd)) return -EFAULT;
      if (!fk_fd_valid(fd)) return -EBADF;
      if (group_has_iommu(g)) return -EINVAL;
      int kind = fk_classify(fd);
      if (kind == FK_VFIO_CONTAINER) { /* vfio_container_attach_group */
        int cci = fk_ctx_for_fd(fd, kind);
        if (cci < 0) return cci;
        g->container_ctx = cci;
        return 0;
      }
      if (kind == FK_IOMMUFD) { /* iommufd_vfio_compat_ioas_create */
        int ici = fk_ctx_for_fd(fd, kind);
        if (ici < 0) return ici;
        uint32_t ioas;
        int rc = fk_iommufd_compat_ioas(ici, &ioas);
        if (rc) return rc;
        g->group_iommufd_ctx = ici;
        return 0;
      }
      return -EBADFD;
    }
    case VFIO_GROUP_UNSET_CONTAINER: { /* vfio_group_ioctl_unset_container */
      if (!group_has_iommu(g)) return -EINVAL;
      for (int i = 0; i < FK_MAX_CTX; i++)
        if (fk_ctxs[i] && fk_ctxs[i]->kind == FK_VFIO_DEVICE && fk_ctxs[i]->group_ctx == ci) return -EBUSY;
      if (g->container_ctx >= 0) {
        int cci = g->container_ctx, others = 0;
        for (int i = 0; i < FK_MAX_CTX; i++)
          if (i != ci && fk_ctxs[i] && fk_ctxs[i]->kind == FK_VFIO_GROUP && fk_ctxs[i]->container_ctx == cci) others++;
        if (!others && fk_ctxs[cci]) { /* __vfio_container_release_iommu: unmap everything */
          fk_maps_drop(cci, 0);
          fk_ctxs[cci]->iommu_type = 0;
          fk_ctxs[cci]->dirty_tracking = 0;
          fk_ctxs[cci]->dma_avail = 65535;
        }
      }
      g->container_ctx = g->group_iommufd_ctx = -1;
      return 0;
    }
    case VFIO_GROUP_GET_DEVICE_FD: { /* vfio_group_ioctl_get_device_fd: strndup_user(arg, PAGE_SIZE) */
      long len = fk_strnlen_user(arg, (long)FK_PAGE_SIZE);
      if (!len) return -EFAULT;
      if (len > (long)FK_PAGE_SIZE) return -EINVAL;
      char *name = malloc((size_t)len);
      if (!name) return -ENOMEM;
      if (fk_copy_from_user(name, arg, (size_t)len)) { /* memdup_user */
        free(name);
        return -EFAULT;
      }
      name[len - 1] = 0;
      /* vfio_device_get_from_name: any name without '/' names a device of the fake group */
      if (!name[0] || strchr(name, '/')) {
        free(name);
        return -ENODEV;
      }
      if (!group_has_iommu(g)) { /* vfio_df_group_open */
        free(name);
        return -EINVAL;
      }
      if (g->container_ctx >= 0 && (!fk_ctxs[g->container_ctx] || !fk_ctxs[g->container_ctx]->iommu_type)) {
        free(name); /* vfio_group_use_container: no IOMMU driver set yet */
        return -EINVAL;
      }
      /* The device fd: a file next to the group's, so it classifies as a fake device. */
      char link[64], target[4096], path[4200];
      snprintf(link, sizeof link, "/proc/self/fd/%d", fk_current_fd);
      ssize_t n = readlink(link, target, sizeof target - 1);
      if (n <= 0) {
        free(name);
        return -ENODEV;
      }
      target[n] = 0;
      snprintf(path, sizeof path, "%s/uapigen-fake-vfio-device-%s", dirname(target), name);
      free(name);
      int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) return -errno;
      int dci = fk_ctx_for_fd(fd, FK_VFIO_DEVICE);
      if (dci < 0) {
        fk_close_fd(fd);
        return dci;
      }
      struct fk_ctx *d = C(dci);
      d->access_granted = 1;
      d->group_ctx = ci;
      if (g->group_iommufd_ctx >= 0) { /* vfio_df_group_open -> vfio_df_iommufd_bind + compat IOAS attach */
        uint32_t ioas;
        if (!fk_iommufd_bind(g->group_iommufd_ctx, dci, &d->devid) && !fk_iommufd_compat_ioas(g->group_iommufd_ctx, &ioas)) {
          d->iommufd_ctx = g->group_iommufd_ctx;
          d->attached_pt = ioas;
          fk_iommufd_attach(d->iommufd_ctx, d->devid, &d->attached_pt);
        }
      }
      return fd;
    }
  }
  return -ENOTTY;
}

/* ------------------------------------------------------------------ container */

static int is_type1(struct fk_ctx *k) { return k->iommu_type == VFIO_TYPE1_IOMMU || k->iommu_type == VFIO_TYPE1v2_IOMMU; }

/* container.c vfio_container_ioctl_check_extension -> vfio_iommu_type1_check_extension /
 * tce_iommu_ioctl(VFIO_CHECK_EXTENSION); arg is a value */
static long check_extension(struct fk_ctx *k, unsigned long arg) {
  int type1 = 0, spapr = 0;
  switch (arg) {
    case VFIO_TYPE1_IOMMU:
    case VFIO_TYPE1v2_IOMMU:
    case VFIO_UNMAP_ALL: type1 = 1; break;
    case VFIO_UPDATE_VADDR:
    case VFIO_DMA_CC_IOMMU: type1 = is_type1(k); break; /* needs an iommu */
    case VFIO_SPAPR_TCE_IOMMU:
    case VFIO_SPAPR_TCE_v2_IOMMU: spapr = 1; break;
  }
  if (!k->iommu_type) return type1 || spapr;
  return is_type1(k) ? type1 : spapr;
}

static struct fk_map *find_dma(int ci, uint64_t start, uint64_t size) { /* vfio_find_dma */
  for (int i = 0; i < fk_map_count(); i++) {
    struct fk_map *m = fk_map_at(i);
    if (m && m->ctx == ci && !m->spapr && start < m->iova + m->length && m->iova < start + size) return m;
  }
  return NULL;
}

static int dmas_sorted(int ci, uint64_t first, uint64_t last, int *out, int max) {
  int n = 0;
  for (int i = 0; i < fk_map_count() && n < max; i++) {
    struct fk_map *m = fk_map_at(i);
    if (!m || m->ctx != ci || m->spapr || m->iova + m->length - 1 < first || m->iova > last) continue;
    int j = n++;
    while (j > 0 && fk_map_at(out[j - 1])->iova > m->iova) out[j] = out[j - 1], j--;
    out[j] = i;
  }
  return n;
}

/* vfio_iommu_type1.c update_user_bitmap: every page of the dma is dirty (no pinned-page
 * tracking); the leftover u64 is read when the dma does not start on a u64 boundary, then
 * DIRTY_BITMAP_BYTES(nbits + shift) bytes are written. */
static int update_user_bitmap(uint64_t ubitmap, struct fk_map *dma, uint64_t base_iova) {
  uint64_t nbits = dma->length >> 12, bit_offset = (dma->iova - base_iova) >> 12;
  uint64_t copy_offset = bit_offset / 64, shift = bit_offset % 64, leftover = 0;
  size_t nbytes = DIRTY_BITMAP_BYTES(nbits + shift);
  uint64_t *buf = calloc(nbytes / 8, 8);
  if (!buf) return -ENOMEM;
  for (uint64_t b = shift; b < shift + nbits; b++) buf[b / 64] |= 1ULL << (b % 64);
  if (shift) {
    if (fk_copy_from_user(&leftover, ubitmap + copy_offset * 8, sizeof leftover)) {
      free(buf);
      return -EFAULT;
    }
    buf[0] |= leftover & ((1ULL << shift) - 1);
  }
  int rc = fk_copy_to_user(ubitmap + copy_offset * 8, buf, nbytes) ? -EFAULT : 0;
  free(buf);
  return rc;
}

static int iova_valid(uint64_t start, uint64_t end) { /* vfio_iommu_iova_dma_valid */
  return (end < FK_RESV_START) || (start > FK_RESV_LAST && end <= FK_IOVA_LAST);
}

/* vfio_iommu_type1.c vfio_iommu_type1_get_info */
static long type1_get_info(struct fk_ctx *k, uint64_t arg) {
  struct vfio_iommu_type1_info info = {0};
  struct caps caps = {.size = 0};
  size_t minsz = fk_offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
  if (fk_copy_from_user(&info, arg, minsz)) return -EFAULT;
  if (info.argsz < minsz) return -EINVAL;
  minsz = fk_min((size_t)info.argsz, sizeof info);
  info.flags = VFIO_IOMMU_INFO_PGSIZES;
  info.iova_pgsizes = FK_PGSIZE_BITMAP;
  struct vfio_iommu_type1_info_cap_migration mig = {
      .header = {.id = VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, .version = 1},
      .pgsize_bitmap = 4096,
      .max_dirty_bitmap_size = DIRTY_BITMAP_SIZE_MAX,
  };
  struct vfio_iommu_type1_info_dma_avail avail = {.header = {.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1}, .avail = k->dma_avail};
  struct {
    struct vfio_iommu_type1_info_cap_iova_range hdr;
    struct vfio_iova_range ranges[2];
  } iovas = {
      .hdr = {.header = {.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, .version = 1}, .nr_iovas = 2},
      .ranges = {{0, FK_RESV_START - 1}, {FK_RESV_LAST + 1, FK_IOVA_LAST}},
  };
  cap_add(&caps, &mig, sizeof mig);
  cap_add(&caps, &avail, sizeof avail);
  cap_add(&caps, &iovas, sizeof iovas);
  if (caps.size) {
    info.flags |= VFIO_IOMMU_INFO_CAPS;
    if (info.argsz < sizeof info + caps.size) {
      info.argsz = (uint32_t)(sizeof info + caps.size);
    } else {
      cap_shift(&caps, sizeof info);
      if (fk_copy_to_user(arg + sizeof info, caps.buf, caps.size)) return -EFAULT;
      info.cap_offset = sizeof info;
    }
  }
  return fk_copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* vfio_iommu_type1.c vfio_iommu_type1_map_dma -> vfio_dma_do_map -> vfio_pin_map_dma */
static long type1_map_dma(int ci, struct fk_ctx *k, uint64_t arg) {
  struct vfio_iommu_type1_dma_map map;
  const size_t minsz = fk_offsetofend(struct vfio_iommu_type1_dma_map, size);
  const uint32_t mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE | VFIO_DMA_MAP_FLAG_VADDR;
  if (fk_copy_from_user(&map, arg, minsz)) return -EFAULT;
  if (map.argsz < minsz || (map.flags & ~mask)) return -EINVAL;
  int set_vaddr = !!(map.flags & VFIO_DMA_MAP_FLAG_VADDR), prot_w = !!(map.flags & VFIO_DMA_MAP_FLAG_WRITE);
  int prot = map.flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
  uint64_t iova_end, vaddr_end;
  if (!map.size) return -EINVAL;
  if (__builtin_add_overflow(map.iova, map.size - 1, &iova_end) || __builtin_add_overflow(map.vaddr, map.size - 1, &vaddr_end))
    return -EOVERFLOW;
  if ((prot && set_vaddr) || (!prot && !set_vaddr)) return -EINVAL;
  if ((map.size | map.iova | map.vaddr) & 4095) return -EINVAL;
  struct fk_map *dma = find_dma(ci, map.iova, map.size);
  if (set_vaddr) {
    if (!dma) return -ENOENT;
    if (!dma->vaddr_invalid || dma->iova != map.iova || dma->length != map.size) return -EINVAL;
    dma->uaddr = map.vaddr;
    dma->vaddr_invalid = 0;
    return 0;
  }
  if (dma) return -EEXIST;
  if (!k->dma_avail) return -ENOSPC;
  if (!iova_valid(map.iova, iova_end)) return -EINVAL;
  int rc = fk_pin_user(map.vaddr, map.size); /* a domain is attached: pin now */
  if (rc) return rc;
  struct fk_map m = {.ctx = ci, .iova = map.iova, .length = map.size, .uaddr = map.vaddr, .writable = prot_w, .prot_write = prot_w};
  if (fk_map_add(&m) < 0) return -ENOMEM;
  k->dma_avail--;
  return 0;
}

/* vfio_iommu_type1.c vfio_iommu_type1_unmap_dma -> vfio_dma_do_unmap */
static long type1_unmap_dma(int ci, struct fk_ctx *k, uint64_t arg) {
  struct vfio_iommu_type1_dma_unmap unmap;
  struct vfio_bitmap bitmap = {0};
  const size_t minsz = fk_offsetofend(struct vfio_iommu_type1_dma_unmap, size);
  const uint32_t mask = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_VADDR | VFIO_DMA_UNMAP_FLAG_ALL;
  if (fk_copy_from_user(&unmap, arg, minsz)) return -EFAULT;
  if (unmap.argsz < minsz || (unmap.flags & ~mask)) return -EINVAL;
  int get_bitmap = !!(unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP);
  if (get_bitmap && (unmap.flags & (VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR))) return -EINVAL;
  if (get_bitmap) {
    if (unmap.argsz < minsz + sizeof bitmap) return -EINVAL;
    if (fk_copy_from_user(&bitmap, arg + minsz, sizeof bitmap)) return -EFAULT;
    if (!fk_access_ok((uint64_t)(uintptr_t)bitmap.data, bitmap.size)) return -EINVAL;
    uint64_t npages = bitmap.pgsize ? unmap.size >> __builtin_ctzll(bitmap.pgsize) : 0;
    if (!npages || !bitmap.size || bitmap.size > DIRTY_BITMAP_SIZE_MAX || bitmap.size < DIRTY_BITMAP_BYTES(npages)) return -EINVAL;
  }
  /* vfio_dma_do_unmap */
  int all = !!(unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL), inval = !!(unmap.flags & VFIO_DMA_UNMAP_FLAG_VADDR);
  uint64_t iova = unmap.iova, iova_end, unmapped = 0;
  if (iova & 4095) return -EINVAL;
  if (all) {
    if (iova || unmap.size) return -EINVAL;
    iova_end = ~0ULL;
  } else {
    if (!unmap.size || (unmap.size & 4095)) return -EINVAL;
    if (__builtin_add_overflow(iova, unmap.size - 1, &iova_end)) return -EOVERFLOW;
  }
  if (get_bitmap && (!k->dirty_tracking || bitmap.pgsize != 4096)) return -EINVAL;
  int v2 = k->iommu_type == VFIO_TYPE1v2_IOMMU;
  if (v2 && !all) {
    struct fk_map *d = find_dma(ci, iova, 1);
    if (d && d->iova != iova) return -EINVAL;
    d = find_dma(ci, iova_end, 1);
    if (d && d->iova + d->length - 1 != iova_end) return -EINVAL;
  }
  int idx[512], n = dmas_sorted(ci, iova, iova_end, idx, 512);
  long rc = 0;
  for (int i = 0; i < n; i++) {
    struct fk_map *d = fk_map_at(idx[i]);
    if (!v2 && iova > d->iova) break;
    if (inval) {
      if (d->vaddr_invalid) { /* undo and fail */
        for (int j = 0; j < i; j++) fk_map_at(idx[j])->vaddr_invalid = 0;
        unmapped = 0;
        rc = -EINVAL;
        break;
      }
      d->vaddr_invalid = 1;
      unmapped += d->length;
      continue;
    }
    if (get_bitmap && (rc = update_user_bitmap((uint64_t)(uintptr_t)bitmap.data, d, iova))) break;
    unmapped += d->length;
    fk_map_del(idx[i]);
    k->dma_avail++;
  }
  if (rc) return rc;
  unmap.size = unmapped;
  return fk_copy_to_user(arg, &unmap, minsz) ? -EFAULT : 0;
}

/* vfio_iommu_type1.c vfio_iommu_type1_dirty_pages */
static long type1_dirty_pages(int ci, struct fk_ctx *k, uint64_t arg) {
  struct vfio_iommu_type1_dirty_bitmap dirty;
  const uint32_t mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP | VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
  const size_t minsz = fk_offsetofend(struct vfio_iommu_type1_dirty_bitmap, flags);
  if (k->iommu_type != VFIO_TYPE1v2_IOMMU) return -EACCES;
  if (fk_copy_from_user(&dirty, arg, minsz)) return -EFAULT;
  if (dirty.argsz < minsz || (dirty.flags & ~mask)) return -EINVAL;
  if (__builtin_popcount(dirty.flags) != 1) return -EINVAL; /* only one flag at a time */
  if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
    k->dirty_tracking = 1;
    return 0;
  }
  if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
    k->dirty_tracking = 0;
    return 0;
  }
  struct vfio_iommu_type1_dirty_bitmap_get range;
  size_t data_size = dirty.argsz - minsz;
  uint64_t iova_end;
  if (!data_size || data_size < sizeof range) return -EINVAL;
  if (fk_copy_from_user(&range, arg + minsz, sizeof range)) return -EFAULT;
  if (!range.size) return -EINVAL;
  if (__builtin_add_overflow(range.iova, range.size - 1, &iova_end)) return -EOVERFLOW;
  if (!fk_access_ok((uint64_t)(uintptr_t)range.bitmap.data, range.bitmap.size)) return -EINVAL;
  uint64_t npages = range.bitmap.pgsize ? range.size >> __builtin_ctzll(range.bitmap.pgsize) : 0;
  if (!npages || !range.bitmap.size || range.bitmap.size > DIRTY_BITMAP_SIZE_MAX || range.bitmap.size < DIRTY_BITMAP_BYTES(npages))
    return -EINVAL;
  if (range.bitmap.pgsize != 4096 || (range.iova & 4095) || (range.size & 4095)) return -EINVAL;
  if (!k->dirty_tracking) return -EINVAL;
  /* vfio_iova_dirty_bitmap */
  struct fk_map *d = find_dma(ci, range.iova, 1);
  if (d && d->iova != range.iova) return -EINVAL;
  d = find_dma(ci, iova_end, 1);
  if (d && d->iova + d->length - 1 != iova_end) return -EINVAL;
  int idx[512], n = dmas_sorted(ci, range.iova, iova_end, idx, 512);
  for (int i = 0; i < n; i++) {
    d = fk_map_at(idx[i]);
    if (d->iova < range.iova) continue;
    int rc = update_user_bitmap((uint64_t)(uintptr_t)range.bitmap.data, d, range.iova);
    if (rc) return rc;
  }
  return 0;
}

/* vfio_iommu_spapr_tce.c VFIO_IOMMU_SPAPR_(UN)REGISTER_MEMORY -> tce_iommu_(un)register_pages
 * -> mm_iommu_new: pin_user_pages of the whole region (x86 PAGE_SIZE here). */
static long spapr_memory(int ci, struct fk_ctx *k, unsigned int cmd, uint64_t arg) {
  struct vfio_iommu_spapr_register_memory param;
  const size_t minsz = fk_offsetofend(struct vfio_iommu_spapr_register_memory, size);
  if (k->iommu_type != VFIO_SPAPR_TCE_v2_IOMMU) return -ENOTTY;
  if (cmd == VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY && !k->spapr_mm) return -EPERM;
  k->spapr_mm = 1; /* tce_iommu_mm_set */
  if (fk_copy_from_user(&param, arg, minsz)) return -EFAULT;
  if (param.argsz < minsz) return -EINVAL;
  if (param.flags) return -EINVAL;
  if ((param.vaddr & 4095) || (param.size & 4095)) return -EINVAL;
  struct fk_map *found = NULL;
  int found_i = -1;
  for (int i = 0; i < fk_map_count(); i++) {
    struct fk_map *m = fk_map_at(i);
    if (m && m->ctx == ci && m->spapr && m->uaddr == param.vaddr && m->length == param.size) found = m, found_i = i;
  }
  if (cmd == VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY) {
    if (!found) return -ENOENT;
    fk_map_del(found_i);
    return 0;
  }
  if (param.vaddr + param.size < param.vaddr) return -EINVAL;
  if (found) return -EBUSY;
  int rc = fk_pin_user(param.vaddr, param.size);
  if (rc) return rc;
  for (int i = 0; i < fk_map_count(); i++) {
    struct fk_map *m = fk_map_at(i);
    if (m && m->ctx == ci && m->spapr && m->uaddr < param.vaddr + param.size && param.vaddr < m->uaddr + m->length) return -EINVAL;
  }
  struct fk_map m = {.ctx = ci, .uaddr = param.vaddr, .length = param.size, .writable = 1, .prot_write = 1, .spapr = 1};
  return fk_map_add(&m) < 0 ? -ENOMEM : 0;
}

/* container.c vfio_fops_unl_ioctl */
long fk_vfio_container_ioctl(int ci, unsigned int cmd, uint64_t arg) {
  struct fk_ctx *k = C(ci);
  switch (cmd) {
    case VFIO_GET_API_VERSION: return VFIO_API_VERSION;
    case VFIO_CHECK_EXTENSION: return check_extension(k, (unsigned long)arg);
    case VFIO_SET_IOMMU: { /* vfio_ioctl_set_iommu: arg is a value */
      int groups = 0;
      for (int i = 0; i < FK_MAX_CTX; i++)
        if (fk_ctxs[i] && fk_ctxs[i]->kind == FK_VFIO_GROUP && fk_ctxs[i]->container_ctx == ci) groups++;
      if (!groups || k->iommu_type) return -EINVAL;
      if (arg == VFIO_TYPE1_IOMMU || arg == VFIO_TYPE1v2_IOMMU || arg == VFIO_SPAPR_TCE_IOMMU || arg == VFIO_SPAPR_TCE_v2_IOMMU) {
        k->iommu_type = (int)arg;
        return 0;
      }
      return arg == VFIO_UNMAP_ALL ? -EINVAL : -ENODEV; /* the driver's open() rejects it / no driver */
    }
  }
  if (!k->iommu_type) return -EINVAL;
  if (is_type1(k)) { /* vfio_iommu_type1_ioctl */
    switch (cmd) {
      case VFIO_IOMMU_GET_INFO: return type1_get_info(k, arg);
      case VFIO_IOMMU_MAP_DMA: return type1_map_dma(ci, k, arg);
      case VFIO_IOMMU_UNMAP_DMA: return type1_unmap_dma(ci, k, arg);
      case VFIO_IOMMU_DIRTY_PAGES: return type1_dirty_pages(ci, k, arg);
    }
    return -ENOTTY;
  }
  switch (cmd) { /* tce_iommu_ioctl */
    case VFIO_IOMMU_SPAPR_REGISTER_MEMORY:
    case VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY: return spapr_memory(ci, k, cmd, arg);
  }
  return -ENOTTY;
}
