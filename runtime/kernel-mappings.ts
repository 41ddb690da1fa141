// Memory the kernel keeps using after a call returns: an IOAS or DMA mapping of runtime mmap()
// memory. Each mapping holds a pin: the memory cannot be unmapped, not even when its buffer is
// collected. A pin is released only when the kernel has confirmed that the mapping is gone, and
// only for mappings made through an object that owns its fd (an Iommufd): an fd number can be
// closed and reused behind the runtime's back, and a file can outlive its number (a bound device
// holds the iommufd), so nothing is released by fd number. Mappings made through a bare fd number
// stay pinned for the life of the process: leaking is safe, freeing early is not.
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

/** An object that owns its fd and the mappings made through it. */
export type MappingOwner = object;

const byOwner = new WeakMap<MappingOwner, Mapping[]>();

function release(shared: SharedPin): void {
  if (--shared.refs === 0) native().unpin(shared.pin);
}

/** Pins `bytes` bytes of a view for a mapping; undefined if it is not runtime mmap() memory. */
export function pinFor(view: ArrayBufferView, bytes: number): SharedPin | undefined {
  const pin = native().pin(view, bytes);
  return pin && { pin, refs: 1 };
}

export { release as unpinUnused };

type Values = Record<string, unknown>;
const big = (v: unknown) => (typeof v === "bigint" ? v : BigInt((v as number | undefined) ?? 0));
const num = (v: unknown) => Number(v ?? 0);

const VFIO_DMA_UNMAP_FLAG_ALL = 2;
const VFIO_DMA_UNMAP_FLAG_VADDR = 4;

/** Applies a call's effect on the owner's mappings once the kernel says it succeeded. */
export interface MappingEffect {
  commit(got: Values): void;
  /** The call failed: give back what was taken when it was submitted. */
  abandon(): void;
}

const NONE: MappingEffect = { commit() {}, abandon() {} };

function list(owner: MappingOwner): Mapping[] {
  let l = byOwner.get(owner);
  if (!l) byOwner.set(owner, (l = []));
  return l;
}

/** Takes out of the owner's list the mappings `pick` chooses when the call succeeds. */
function removing(owner: MappingOwner, pick: (m: Mapping) => boolean): MappingEffect {
  // Chosen now, at submission: a mapping made while an async call is in flight is not its victim.
  const victims = list(owner).filter(pick);
  return {
    commit() {
      const l = list(owner);
      for (const v of victims) {
        const i = l.indexOf(v);
        if (i < 0) continue;
        l.splice(i, 1);
        release(v.shared);
      }
    },
    abandon() {},
  };
}

/**
 * What a call does to its owner's mappings, decided when it is submitted from the struct the
 * kernel is sent: `commit` applies it when the call succeeded. Without an owner (a bare fd), a
 * mapping's pin is never released, and the runtime keeps no record.
 */
export function mappingEffect(name: string, owner: MappingOwner | undefined, sent: Values, pin: SharedPin | undefined): MappingEffect {
  if (!owner) return NONE;
  switch (name) {
    case "IOMMU_IOAS_MAP":
    case "VFIO_IOMMU_MAP_DMA": {
      const iommufd = name === "IOMMU_IOAS_MAP";
      return {
        commit: (got) => {
          if (pin) list(owner).push({ space: iommufd ? num(sent.ioas_id) : 0, iova: big(iommufd ? got.iova : sent.iova), length: big(iommufd ? sent.length : sent.size), shared: pin });
        },
        abandon() {},
      };
    }
    case "IOMMU_IOAS_COPY": {
      // The destination maps the same memory: it shares the source's pins, taken now.
      const from = num(sent.src_ioas_id);
      const fromIova = big(sent.src_iova);
      const fromEnd = fromIova + big(sent.length);
      const pieces = list(owner)
        .filter((m) => m.space === from && m.iova < fromEnd && m.iova + m.length > fromIova)
        .map((m) => {
          m.shared.refs++;
          const start = m.iova > fromIova ? m.iova : fromIova;
          const end = m.iova + m.length < fromEnd ? m.iova + m.length : fromEnd;
          return { offset: start - fromIova, length: end - start, shared: m.shared };
        });
      return {
        commit: (got) => {
          const to = num(sent.dst_ioas_id);
          const dst = big(got.dst_iova);
          for (const p of pieces) list(owner).push({ space: to, iova: dst + p.offset, length: p.length, shared: p.shared });
        },
        abandon: () => {
          for (const p of pieces) release(p.shared);
        },
      };
    }
    case "IOMMU_IOAS_UNMAP": {
      const space = num(sent.ioas_id);
      const start = big(sent.iova);
      const end = start + big(sent.length);
      return removing(owner, (m) => m.space === space && m.iova >= start && m.iova + m.length <= end);
    }
    case "IOMMU_DESTROY": {
      const space = num(sent.id);
      return removing(owner, (m) => m.space === space);
    }
    case "VFIO_IOMMU_UNMAP_DMA": {
      const flags = num(sent.flags);
      if (flags & VFIO_DMA_UNMAP_FLAG_VADDR) return NONE; // the pages stay pinned and mapped
      const start = big(sent.iova);
      const end = start + big(sent.size);
      return removing(owner, (m) => m.space === 0 && (flags & VFIO_DMA_UNMAP_FLAG_ALL ? true : m.iova >= start && m.iova + m.length <= end));
    }
    default:
      return NONE;
  }
}

/** Whether a call of this ioctl can add, share or remove mappings (only then is `sent` decoded). */
export function changesMappings(name: string): boolean {
  return name === "IOMMU_IOAS_MAP" || name === "VFIO_IOMMU_MAP_DMA" || name === "IOMMU_IOAS_COPY" || name === "IOMMU_IOAS_UNMAP" || name === "IOMMU_DESTROY" || name === "VFIO_IOMMU_UNMAP_DMA";
}

/** The owner's mappings (IOAS, IOVA, length), for unmapping them before its fd closes. */
export function ownedMappings(owner: MappingOwner): { space: number; iova: bigint; length: bigint }[] {
  return list(owner).map(({ space, iova, length }) => ({ space, iova, length }));
}

/** How many mappings an owner holds pins for (tests). */
export function mappingCount(owner: MappingOwner): number {
  return byOwner.get(owner)?.length ?? 0;
}
