// Memory the kernel keeps using after a call returns: an IOAS or DMA mapping of runtime mmap()
// memory. Each mapping holds a pin (the memory cannot be unmapped, not even when its buffer is
// collected) until the runtime sees the mapping go: an unmap that covers it, the destruction of
// its address space, or the close of its fd through the runtime. What the runtime cannot see
// (an fd closed behind its back) keeps the memory pinned: leaking is safe, freeing early is not.
import { native, type Pin } from "./native.js";

interface SharedPin {
  pin: Pin;
  refs: number;
}

interface Mapping {
  /** The IOAS ID (iommufd) or 0 (a VFIO container's single space). */
  space: number;
  iova: bigint;
  length: bigint;
  shared: SharedPin;
}

const byFd = new Map<number, Mapping[]>();

function release(m: Mapping): void {
  if (--m.shared.refs === 0) native().unpin(m.shared.pin);
}

/** Pins `bytes` bytes of a view for a mapping; undefined if it is not runtime mmap() memory. */
export function pinFor(view: ArrayBufferView, bytes: number): SharedPin | undefined {
  const pin = native().pin(view, bytes);
  return pin && { pin, refs: 1 };
}

export function unpinUnused(shared: SharedPin): void {
  if (--shared.refs === 0) native().unpin(shared.pin);
}

export function addMapping(fd: number, space: number, iova: bigint, length: bigint, shared: SharedPin): void {
  let list = byFd.get(fd);
  if (!list) byFd.set(fd, (list = []));
  list.push({ space, iova, length, shared });
}

/** IOMMU_IOAS_COPY: the destination maps the same memory, so it shares the source's pins. */
export function copyMappings(fd: number, from: number, fromIova: bigint, to: number, toIova: bigint, length: bigint): void {
  const list = byFd.get(fd) ?? [];
  const fromEnd = fromIova + length;
  for (const m of [...list]) {
    const start = m.iova > fromIova ? m.iova : fromIova;
    const end = m.iova + m.length < fromEnd ? m.iova + m.length : fromEnd;
    if (m.space !== from || start >= end) continue;
    m.shared.refs++;
    list.push({ space: to, iova: toIova + (start - fromIova), length: end - start, shared: m.shared });
  }
}

/** Releases the mappings of `space` that lie wholly inside [iova, iova + length). */
export function removeMappings(fd: number, space: number, iova: bigint, length: bigint): void {
  const list = byFd.get(fd);
  if (!list) return;
  const end = iova + length;
  const kept = list.filter((m) => {
    const inside = m.space === space && m.iova >= iova && m.iova + m.length <= end;
    if (inside) release(m);
    return !inside;
  });
  if (kept.length) byFd.set(fd, kept);
  else byFd.delete(fd);
}

/** Releases every mapping of an address space that was destroyed. */
export function removeSpace(fd: number, space: number): void {
  removeMappings(fd, space, 0n, 1n << 65n);
}

/** The fd was closed through the runtime: every mapping made through it is gone. */
export function closeMappings(fd: number): void {
  for (const m of byFd.get(fd) ?? []) release(m);
  byFd.delete(fd);
}

/** Whether the runtime holds mappings made through an fd (the hot path asks before decoding). */
export function hasMappings(fd: number): boolean {
  return byFd.size !== 0 && byFd.has(fd);
}

/** How many mappings the runtime holds through an fd (tests). */
export function mappingCount(fd: number): number {
  return byFd.get(fd)?.length ?? 0;
}

type Values = Record<string, unknown>;
const big = (v: unknown) => (typeof v === "bigint" ? v : BigInt((v as number | undefined) ?? 0));
const num = (v: unknown) => Number(v ?? 0);

const VFIO_DMA_UNMAP_FLAG_ALL = 2;
const VFIO_DMA_UNMAP_FLAG_VADDR = 4;

const MAPPING_IOCTLS = new Set(["IOMMU_IOAS_MAP", "VFIO_IOMMU_MAP_DMA", "IOMMU_IOAS_COPY", "IOMMU_IOAS_UNMAP", "IOMMU_DESTROY", "VFIO_IOMMU_UNMAP_DMA"]);

/** Whether a successful call of this ioctl adds, shares or removes kernel mappings. */
export function changesMappings(name: string): boolean {
  return MAPPING_IOCTLS.has(name);
}

/**
 * What a successful call did to the kernel's mappings, by ioctl: `sent` is what the runtime
 * encoded, `got` the struct as the kernel left it, `pin` the memory of a persistent pointer.
 */
export function recordMappingEffects(name: string, fd: number, sent: Values, got: Values, pin: SharedPin | undefined): void {
  switch (name) {
    case "IOMMU_IOAS_MAP":
      return addMapping(fd, num(sent.ioas_id), big(got.iova), big(sent.length), pin!);
    case "VFIO_IOMMU_MAP_DMA":
      return addMapping(fd, 0, big(sent.iova), big(sent.size), pin!);
    case "IOMMU_IOAS_COPY":
      return copyMappings(fd, num(sent.src_ioas_id), big(sent.src_iova), num(sent.dst_ioas_id), big(got.dst_iova), big(sent.length));
    case "IOMMU_IOAS_UNMAP":
      return removeMappings(fd, num(sent.ioas_id), big(sent.iova), big(sent.length));
    case "IOMMU_DESTROY":
      return removeSpace(fd, num(sent.id));
    case "VFIO_IOMMU_UNMAP_DMA": {
      const flags = num(sent.flags);
      if (flags & VFIO_DMA_UNMAP_FLAG_VADDR) return; // the pages stay pinned and mapped
      if (flags & VFIO_DMA_UNMAP_FLAG_ALL) return removeSpace(fd, 0);
      return removeMappings(fd, 0, big(sent.iova), big(sent.size));
    }
    default:
      // Any other persistent pointer (SPAPR memory registration): held until the fd closes.
      if (pin) addMapping(fd, -1, 0n, 0n, pin);
  }
}
