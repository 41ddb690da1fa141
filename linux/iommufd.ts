// The high-level iommufd API: an Iommufd object over /dev/iommu, and classes for the kernel
// objects it creates (IOAS, HW page table, fault queue) that release them on dispose. Built on
// the generated typed calls, so every byte still comes from the header's layout.
import fs from "node:fs";
import * as io from "./generated/iommufd-ioctls.js";
import {
  IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
  IOMMU_IOAS_MAP_FIXED_IOVA,
  IOMMU_IOAS_MAP_READABLE,
  IOMMU_IOAS_MAP_WRITEABLE,
  IOMMU_OPTION_OP_GET,
  IOMMU_OPTION_OP_SET,
  iommu_hwpt_page_response,
  iommu_hwpt_pgfault,
  iommu_iova_range,
  ioctls,
  type iommu_hw_info,
  type iommu_ioas_copy,
  type iommu_ioas_map,
  type iommu_ioas_unmap,
  type iommu_hwpt_pgfault as PageFault,
} from "./generated/iommufd.js";
import { isSystemError } from "@uapigen/runtime";
import { bitmapBytes, callStruct, callStructAsync, OwnedFd, ownedMappings } from "@uapigen/runtime/codegen";

const U64_MAX = (1n << 64n) - 1n;

export interface IovaRange {
  start: bigint;
  last: bigint;
}

export interface MapOptions {
  /** Map at this IOVA (IOMMU_IOAS_MAP_FIXED_IOVA); otherwise the kernel chooses. */
  iova?: bigint;
  readable?: boolean;
  writeable?: boolean;
}

function mapFlags(o: MapOptions): number {
  return (o.iova !== undefined ? IOMMU_IOAS_MAP_FIXED_IOVA : 0) | (o.readable !== false ? IOMMU_IOAS_MAP_READABLE : 0) | (o.writeable !== false ? IOMMU_IOAS_MAP_WRITEABLE : 0);
}

function rangesBuffer(ranges: readonly IovaRange[]): DataView {
  const dv = new DataView(new ArrayBuffer(Math.max(1, ranges.length) * iommu_iova_range.size));
  ranges.forEach((r, i) => {
    iommu_iova_range.encode(r, dv, i * iommu_iova_range.size);
  });
  return new DataView(dv.buffer, 0, ranges.length * iommu_iova_range.size);
}

/** An iommufd file descriptor (`/dev/iommu`). */
export class Iommufd extends OwnedFd {
  static open(path = "/dev/iommu"): Iommufd {
    // libuv opens every file O_CLOEXEC.
    return new Iommufd(fs.openSync(path, "r+"));
  }

  /** IOMMU_DESTROY of any object ID (an IOAS's mappings go with it). */
  destroy(id: number): void {
    callStruct(this.fd, ioctls.IOMMU_DESTROY, { id }, this.mappingOwner);
  }

  /**
   * Closes /dev/iommu. The file can outlive this fd (a bound vfio device holds it), and with it
   * the IOAS mappings, so each mapping made through this object is unmapped first; the memory of
   * one the kernel refuses to unmap stays pinned.
   */
  override close(): void {
    if (!this.closed && this.inFlightCalls === 0 && this.mappingOwner) {
      for (const m of ownedMappings(this.mappingOwner)) {
        try {
          callStruct(this.fd, ioctls.IOMMU_IOAS_UNMAP, { ioas_id: m.space, iova: m.iova, length: m.length }, this.mappingOwner);
        } catch {
          // Still mapped as far as the runtime can tell: its pin stays.
        }
      }
    }
    super.close();
  }

  allocIoas(): Ioas {
    return new Ioas(this, io.iommuIoasAlloc(this.fd).out_ioas_id);
  }

  /**
   * IOMMU_IOAS_IOVA_RANGES with the header's protocol: when the array is too small the kernel
   * fails with EMSGSIZE and sets num_iovas to what it needs; grow and ask again.
   */
  iovaRanges(ioasId: number): { ranges: IovaRange[]; alignment: bigint } {
    let capacity = 4;
    for (let attempt = 0; attempt < 8; attempt++) {
      const buffer = new DataView(new ArrayBuffer(capacity * iommu_iova_range.size));
      try {
        const out = io.iommuIoasIovaRanges(this.fd, { ioas_id: ioasId, allowed_iovas: buffer });
        const ranges = Array.from({ length: out.num_iovas }, (_, i) => iommu_iova_range.decode(buffer, i * iommu_iova_range.size));
        return { ranges, alignment: out.out_iova_alignment };
      } catch (err) {
        if (!isSystemError(err) || err.code !== "EMSGSIZE") throw err;
        // The kernel wrote the count it needs into the struct; ask for that many (ranges can
        // change between calls, so loop).
        const needed = (err as { struct?: { num_iovas?: number } }).struct?.num_iovas ?? 0;
        capacity = needed > capacity ? needed : capacity * 2;
      }
    }
    throw new Error(`IOMMU_IOAS_IOVA_RANGES: the ranges kept changing after 8 attempts`);
  }

  /** IOMMU_IOAS_ALLOW_IOVAS: replaces the whole allowed list. */
  allowIovas(ioasId: number, ranges: readonly IovaRange[]): void {
    io.iommuIoasAllowIovas(this.fd, { ioas_id: ioasId, allowed_iovas: rangesBuffer(ranges) });
  }

  /**
   * IOMMU_IOAS_MAP of runtime memory (mmapAnonymous()); returns the IOVA. The memory stays
   * mapped in the process, whatever happens to its buffer, until the IOAS lets go of it (unmap,
   * destroy, or close of this Iommufd).
   */
  map(ioasId: number, memory: ArrayBufferView | ArrayBuffer, options: MapOptions = {}): bigint {
    const view = ArrayBuffer.isView(memory) ? memory : new Uint8Array(memory);
    return callStruct<iommu_ioas_map>(this.fd, ioctls.IOMMU_IOAS_MAP, { ioas_id: ioasId, flags: mapFlags(options), user_va: view, iova: options.iova ?? 0n }, this.mappingOwner).iova;
  }

  /** map() on the libuv thread pool: pinning gigabytes takes a while. */
  async mapAsync(ioasId: number, memory: ArrayBufferView | ArrayBuffer, options: MapOptions = {}): Promise<bigint> {
    const view = ArrayBuffer.isView(memory) ? memory : new Uint8Array(memory);
    return this.inFlight(async (fd) => (await callStructAsync<iommu_ioas_map>(fd, ioctls.IOMMU_IOAS_MAP, { ioas_id: ioasId, flags: mapFlags(options), user_va: view, iova: options.iova ?? 0n }, this.mappingOwner)).iova);
  }

  /** IOMMU_IOAS_MAP_FILE: maps `length` bytes of a file (a memfd) from `start`; returns the IOVA. */
  mapFile(ioasId: number, fd: number, start: bigint, length: bigint, options: MapOptions = {}): bigint {
    return io.iommuIoasMapFile(this.fd, { ioas_id: ioasId, flags: mapFlags(options), fd, start, length, iova: options.iova ?? 0n }).iova;
  }

  /** IOMMU_IOAS_UNMAP; returns how many bytes were unmapped. */
  unmap(ioasId: number, iova: bigint, length: bigint): bigint {
    return callStruct<iommu_ioas_unmap>(this.fd, ioctls.IOMMU_IOAS_UNMAP, { ioas_id: ioasId, iova, length }, this.mappingOwner).length;
  }

  /** IOMMU_IOAS_COPY: maps what src has at srcIova into dst; returns the destination IOVA. */
  copy(dstIoasId: number, srcIoasId: number, srcIova: bigint, length: bigint, options: MapOptions = {}): bigint {
    const args = { dst_ioas_id: dstIoasId, src_ioas_id: srcIoasId, src_iova: srcIova, length, flags: mapFlags(options), dst_iova: options.iova ?? 0n };
    return callStruct<iommu_ioas_copy>(this.fd, ioctls.IOMMU_IOAS_COPY, args, this.mappingOwner).dst_iova;
  }

  /** IOMMU_OPTION: reads an option, or sets it when `value` is given; returns the value in force. */
  option(optionId: number, value?: bigint, objectId = 0): bigint {
    const op = value === undefined ? IOMMU_OPTION_OP_GET : IOMMU_OPTION_OP_SET;
    return io.iommuOption(this.fd, { option_id: optionId, op, object_id: objectId, val64: value ?? 0n }).val64;
  }

  /** IOMMU_GET_HW_INFO for a device; `data` receives the driver-specific info. */
  getHwInfo(devId: number, data: ArrayBufferView = new Uint8Array(0)): iommu_hw_info {
    return io.iommuGetHwInfo(this.fd, { dev_id: devId, data_uptr: data });
  }

  /** IOMMU_HWPT_ALLOC: a HW page table for a device over an IOAS (or a parent HWPT). */
  allocHwpt(devId: number, ptId: number, options: { flags?: number; faultId?: number; dataType?: number; data?: ArrayBufferView } = {}): Hwpt {
    const out = io.iommuHwptAlloc(this.fd, { dev_id: devId, pt_id: ptId, flags: options.flags ?? 0, fault_id: options.faultId ?? 0, data_type: options.dataType ?? 0, data_uptr: options.data });
    return new Hwpt(this, out.out_hwpt_id);
  }

  /** IOMMU_FAULT_QUEUE_ALLOC: a queue of I/O page faults, read as typed events. */
  allocFaultQueue(): FaultQueue {
    const out = io.iommuFaultQueueAlloc(this.fd);
    return new FaultQueue(this, out.out_fault_id, out.out_fault_fd);
  }
}

/** Something an Iommufd created: destroyed with IOMMU_DESTROY on dispose, dead after that. */
abstract class IommufdObject implements Disposable {
  #id: number;
  #destroyed = false;

  constructor(
    readonly iommufd: Iommufd,
    id: number,
  ) {
    this.#id = id;
  }

  /** The object's ID; an error once destroyed (the kernel may give the ID to another object). */
  get id(): number {
    if (this.#destroyed) throw Object.assign(new Error(`ENOENT: this ${this.constructor.name} was destroyed`), { code: "ENOENT", errno: -2 });
    return this.#id;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.iommufd.destroy(this.#id);
    this.#destroyed = true;
  }

  [Symbol.dispose](): void {
    this.destroy();
  }
}

/** An I/O address space. */
export class Ioas extends IommufdObject {
  iovaRanges() {
    return this.iommufd.iovaRanges(this.id);
  }
  allowIovas(ranges: readonly IovaRange[]): void {
    this.iommufd.allowIovas(this.id, ranges);
  }
  map(memory: ArrayBufferView | ArrayBuffer, options?: MapOptions): bigint {
    return this.iommufd.map(this.id, memory, options);
  }
  mapAsync(memory: ArrayBufferView | ArrayBuffer, options?: MapOptions): Promise<bigint> {
    return this.iommufd.mapAsync(this.id, memory, options);
  }
  mapFile(fd: number, start: bigint, length: bigint, options?: MapOptions): bigint {
    return this.iommufd.mapFile(this.id, fd, start, length, options);
  }
  /** Unmaps every mapping inside [iova, iova + length); returns how many bytes that was. */
  unmap(iova: bigint, length: bigint): bigint {
    return this.iommufd.unmap(this.id, iova, length);
  }
  /** Unmaps everything this IOAS maps (IOVA 0, length 2^64-1 means all); returns how many bytes. */
  unmapAll(): bigint {
    return this.iommufd.unmap(this.id, 0n, U64_MAX);
  }
}

/** A HW page table, with dirty tracking. */
export class Hwpt extends IommufdObject {
  setDirtyTracking(enable: boolean): void {
    io.iommuHwptSetDirtyTracking(this.iommufd.fd, { hwpt_id: this.id, flags: enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0 });
  }

  /**
   * IOMMU_HWPT_GET_DIRTY_BITMAP of [iova, iova + length): one bit per page, set if dirty. The
   * kernel counts pages of 2^__ffs(pageSize) bytes, so the bitmap is sized as it does.
   */
  dirtyBitmap(iova: bigint, length: bigint, pageSize: bigint, flags = 0): Uint8Array {
    if (pageSize <= 0n) throw new RangeError(`dirtyBitmap: pageSize must be positive, not ${pageSize}`);
    const bitmap = new Uint8Array(Number(bitmapBytes(length, pageSize)));
    io.iommuHwptGetDirtyBitmap(this.iommufd.fd, { hwpt_id: this.id, flags, iova, length, page_size: pageSize, data: bitmap });
    return bitmap;
  }
}

/** An I/O page fault queue: read faults, write responses. */
export class FaultQueue extends IommufdObject {
  /** The queue's own fd: closed first on destroy, then never used again (EBADF). */
  readonly #queue: OwnedFd;

  constructor(iommufd: Iommufd, id: number, fd: number) {
    super(iommufd, id);
    this.#queue = new OwnedFd(fd);
  }

  get fd(): number {
    return this.#queue.fd;
  }

  /** The faults waiting in the queue (none when it is empty and non-blocking). */
  read(max = 64): PageFault[] {
    const buf = new Uint8Array(max * iommu_hwpt_pgfault.size);
    let n: number;
    try {
      n = fs.readSync(this.fd, buf);
    } catch (err) {
      if (isSystemError(err) && err.code === "EAGAIN") return [];
      throw err;
    }
    const dv = new DataView(buf.buffer, 0, n);
    return Array.from({ length: Math.floor(n / iommu_hwpt_pgfault.size) }, (_, i) => iommu_hwpt_pgfault.decode(dv, i * iommu_hwpt_pgfault.size));
  }

  /** Answers a fault (by its cookie) with an IOMMUFD_PAGE_RESP_* code. */
  respond(cookie: number, code: number): void {
    const dv = new DataView(new ArrayBuffer(iommu_hwpt_page_response.size));
    iommu_hwpt_page_response.encode({ cookie, code }, dv);
    fs.writeSync(this.fd, new Uint8Array(dv.buffer));
  }

  /** The queue's fd holds the object: it is closed first, then the object destroyed. */
  override destroy(): void {
    this.#queue.close();
    super.destroy();
  }
}
