// A vfio device cdev (`/dev/vfio/devices/vfioN`) on iommufd, as a VMM drives it: bind and attach
// to an IOAS, read what the device is (info, regions with their capabilities, interrupts), mmap
// and access its regions, wire interrupts to eventfds, reset it, and use its features. Every
// ioctl goes through the generated typed calls; sizes the kernel trusts come from the runtime.
import fs from "node:fs";
import path from "node:path";
import * as io from "./generated/vfio-ioctls.js";
import {
  VFIO_DEVICE_ATTACH_PASID,
  VFIO_DEVICE_BIND_FLAG_TOKEN,
  VFIO_DEVICE_DETACH_PASID,
  VFIO_DEVICE_FEATURE_GET,
  VFIO_DEVICE_FEATURE_PROBE,
  VFIO_DEVICE_FEATURE_SET,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_PCI_CONFIG_REGION_INDEX,
  VFIO_PCI_VGA_REGION_INDEX,
  vfio_pci_dependent_device,
} from "./generated/vfio.js";
import { isSystemError, mmapShared, type EventFd } from "@uapigen/runtime";
import { OwnedFd } from "@uapigen/runtime/codegen";
import type { Iommufd } from "./iommufd.js";
import {
  DEVICE_FEATURES,
  deviceInfo,
  hotResetInfo,
  irqInfo,
  regionInfo,
  type DeviceFeature,
  type DeviceInfo,
  type FeaturePayload,
  type FeaturePayloadInit,
  type GettableFeature,
  type HotResetInfo,
  type IrqInfo,
  type RegionInfo,
  type SettableFeature,
} from "./vfio-info.js";
import { PciConfig, RegionMapping } from "./vfio-region.js";

export * from "./vfio-info.js";
export * from "./vfio-region.js";

/** Something with an iommufd object ID: an Ioas or a Hwpt. */
export type PageTable = number | { readonly id: number };

const PAGE = 4096n;

export class VfioDevice extends OwnedFd {
  /** The iommufd device ID, once bound. */
  devId?: number;
  /** The page table attached without a PASID, detached on dispose. */
  #attached?: number;
  readonly #mappings = new Set<RegionMapping>();
  /** Region offsets and sizes for read/write: fixed for the life of the fd. */
  readonly #spans = new Map<number, RegionInfo>();
  #pci?: PciConfig;

  static open(path: string): VfioDevice {
    return new VfioDevice(fs.openSync(path, "r+"));
  }

  /** The cdev of a PCI device bound to a vfio driver, by address (`0000:00:03.0`). */
  static openPci(address: string, sysfs = "/sys/bus/pci/devices"): VfioDevice {
    const dir = path.join(sysfs, address, "vfio-dev");
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      throw Object.assign(new Error(`${address} has no vfio cdev (${dir}): bind it to vfio-pci, with a kernel that has CONFIG_VFIO_DEVICE_CDEV`), { code: "ENODEV", cause: err });
    }
    const cdev = names.find((n) => /^vfio\d+$/.test(n));
    if (!cdev) throw Object.assign(new Error(`${dir} names no vfio cdev`), { code: "ENODEV" });
    return VfioDevice.open(`/dev/vfio/devices/${cdev}`);
  }

  /** VFIO_DEVICE_BIND_IOMMUFD; returns the device ID to use in iommufd calls. */
  bind(iommufd: Iommufd, token?: Uint8Array): number {
    const out = io.vfioDeviceBindIommufd(this.fd, { iommufd: iommufd.fd, flags: token ? VFIO_DEVICE_BIND_FLAG_TOKEN : 0, token_uuid_ptr: token });
    this.devId = out.out_devid;
    return out.out_devid;
  }

  /** VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS or HWPT (object or ID); returns the page table ID in use. */
  attach(pt: PageTable, pasid?: number): number {
    const ptId = typeof pt === "number" ? pt : pt.id;
    const got = io.vfioDeviceAttachIommufdPt(this.fd, { pt_id: ptId, flags: pasid === undefined ? 0 : VFIO_DEVICE_ATTACH_PASID, pasid: pasid ?? 0 }).pt_id;
    if (pasid === undefined) this.#attached = got;
    return got;
  }

  /** VFIO_DEVICE_DETACH_IOMMUFD_PT. */
  detach(pasid?: number): void {
    io.vfioDeviceDetachIommufdPt(this.fd, { flags: pasid === undefined ? 0 : VFIO_DEVICE_DETACH_PASID, pasid: pasid ?? 0 });
    if (pasid === undefined) this.#attached = undefined;
  }

  /** VFIO_DEVICE_GET_INFO, with its capability chain (the runtime grows argsz as the kernel asks). */
  info(): DeviceInfo {
    return deviceInfo(io.vfioDeviceGetInfo(this.fd));
  }

  /** VFIO_DEVICE_GET_REGION_INFO of one region, its capabilities decoded. */
  region(index: number): RegionInfo {
    return regionInfo(io.vfioDeviceGetRegionInfo(this.fd, { index }));
  }

  /**
   * Every region the device describes, by index (unimplemented BARs have size 0). vfio-pci counts
   * the VGA region in num_regions on every device and describes it only on VGA devices: its
   * EINVAL there leaves the region out.
   */
  regions(): RegionInfo[] {
    const info = this.info();
    const out: RegionInfo[] = [];
    for (let index = 0; index < info.numRegions; index++) {
      try {
        out.push(this.region(index));
      } catch (err) {
        if (!(info.pci && index === VFIO_PCI_VGA_REGION_INDEX && isSystemError(err) && err.code === "EINVAL")) throw err;
      }
    }
    return out;
  }

  /** Reads `length` bytes of a region at `offset` (pread on the device fd). */
  read(index: number, offset: number | bigint, length: number): Uint8Array {
    const at = this.#span(index, offset, length, "readable");
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const n = fs.readSync(this.fd, out, done, length - done, at + done);
      if (n === 0) throw Object.assign(new Error(`EIO: region ${index} ended ${length - done} bytes early`), { code: "EIO", errno: -5 });
      done += n;
    }
    return out;
  }

  /** Writes bytes into a region at `offset` (pwrite on the device fd). */
  write(index: number, offset: number | bigint, data: ArrayBufferView): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const at = this.#span(index, offset, bytes.length, "writable");
    for (let done = 0; done < bytes.length; ) {
      const n = fs.writeSync(this.fd, bytes, done, bytes.length - done, at + done);
      if (n === 0) throw Object.assign(new Error(`EIO: region ${index} took ${done} of ${bytes.length} bytes`), { code: "EIO", errno: -5 });
      done += n;
    }
  }

  /**
   * mmaps a region (`length` bytes from `offset`, page aligned; the whole region by default) as
   * runtime memory, unmapped on dispose of the mapping or of the device. The kernel decides
   * what may be mapped (a region without VFIO_REGION_INFO_FLAG_MMAP is its EINVAL); with a
   * sparse-mmap capability the span must lie inside one of its areas.
   */
  mmap(index: number, options: { offset?: bigint; length?: bigint } = {}): RegionMapping {
    const info = this.region(index);
    const offset = options.offset ?? 0n;
    const length = options.length ?? info.size - offset;
    if (!info.readable || !info.writable) {
      throw new TypeError(`region ${index} is not readable and writable (flags 0x${info.flags.toString(16)}): runtime memory is always both, and a write to a read-only mapping would kill the process`);
    }
    if (offset < 0n || length <= 0n || offset % PAGE || offset + length > info.size) {
      throw new RangeError(`region ${index}: [0x${offset.toString(16)}, +0x${length.toString(16)}) is not a page-aligned span inside its 0x${info.size.toString(16)} bytes`);
    }
    const sparse = info.capabilities.find((c) => c.kind === "sparse-mmap");
    if (sparse && !sparse.areas.some((a) => offset >= a.offset && offset + length <= a.offset + a.size)) {
      throw new RangeError(`region ${index}: [0x${offset.toString(16)}, +0x${length.toString(16)}) is outside its sparse-mmap areas`);
    }
    const buffer = mmapShared(this.fd, info.offset + offset, Number(length));
    const mapping = new RegionMapping(index, offset, buffer, (m) => this.#mappings.delete(m));
    this.#mappings.add(mapping);
    return mapping;
  }

  /** Every part of a region that may be mapped, mapped: each sparse-mmap area, or the whole region. */
  mmapAll(index: number): RegionMapping[] {
    const sparse = this.region(index).capabilities.find((c) => c.kind === "sparse-mmap");
    if (!sparse) return [this.mmap(index)];
    const out: RegionMapping[] = [];
    try {
      for (const a of sparse.areas) if (a.size > 0n) out.push(this.mmap(index, { offset: a.offset, length: a.size }));
    } catch (err) {
      for (const m of out) m.unmap();
      throw err;
    }
    return out;
  }

  /** PCI config space through the config region (vfio-pci devices). */
  get pci(): PciConfig {
    this.#pci ??= new PciConfig({
      read: (offset, length) => this.read(VFIO_PCI_CONFIG_REGION_INDEX, offset, length),
      write: (offset, bytes) => this.write(VFIO_PCI_CONFIG_REGION_INDEX, offset, bytes),
    });
    return this.#pci;
  }

  /** VFIO_DEVICE_GET_IRQ_INFO of one interrupt index (INTx, MSI, MSI-X, ...). */
  irqInfo(index: number): IrqInfo {
    return irqInfo(io.vfioDeviceGetIrqInfo(this.fd, { index }));
  }

  /**
   * Signals `eventfds[i]` when vector `start + i` of an index fires (VFIO_IRQ_SET_DATA_EVENTFD |
   * ACTION_TRIGGER); enabling MSI or MSI-X this way programs the device. `null` leaves a vector
   * without an eventfd (and takes away one it had).
   */
  enableIrqs(index: number, eventfds: readonly (EventFd | null)[], start = 0): void {
    this.#setIrqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index, start, eventfds);
  }

  /** Disables every vector of an index (DATA_NONE | ACTION_TRIGGER with count 0). */
  disableIrqs(index: number): void {
    this.#setIrqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 0);
  }

  /** Fires vectors from the kernel side, as if the device had (loopback testing). */
  triggerIrqs(index: number, start = 0, count = 1): void {
    this.#setIrqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, start, count);
  }

  maskIrqs(index: number, start = 0, count = 1): void {
    this.#setIrqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, index, start, count);
  }

  /** Unmasks vectors (an AUTOMASKED INTx after each interrupt). */
  unmaskIrqs(index: number, start = 0, count = 1): void {
    this.#setIrqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, index, start, count);
  }

  /** Unmasks vectors whenever these eventfds are signalled (a resample irqfd, for level INTx). */
  setUnmaskEventFds(index: number, eventfds: readonly (EventFd | null)[], start = 0): void {
    this.#setIrqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, index, start, eventfds);
  }

  /** VFIO_DEVICE_RESET (when info().resettable; EINVAL otherwise). */
  reset(): void {
    io.vfioDeviceReset(this.fd);
  }

  /**
   * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the devices a bus or slot reset would reset with this
   * one. The kernel answers ENOSPC with the count it needs; the array grows and it asks again.
   */
  hotResetInfo(): HotResetInfo {
    let capacity = 4;
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        const got = io.vfioDeviceGetPciHotResetInfo(this.fd, { devices: new Uint8Array(capacity * vfio_pci_dependent_device.size) });
        return hotResetInfo(got, got.trailing);
      } catch (err) {
        if (!isSystemError(err) || err.code !== "ENOSPC") throw err;
        const needed = (err as { struct?: { count?: number } }).struct?.count ?? 0;
        capacity = needed > capacity ? needed : capacity * 2;
      }
    }
    throw new Error("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the device count kept changing after 8 attempts");
  }

  /** VFIO_DEVICE_PCI_HOT_RESET of a cdev: no group fds; the kernel checks ownership of every affected device. */
  hotReset(): void {
    io.vfioDevicePciHotReset(this.fd, { group_fds: new Int32Array(0) });
  }

  /** VFIO_DEVICE_FEATURE with PROBE: whether the device has the feature (for get, set, or at all). */
  probeFeature(feature: DeviceFeature, access: { get?: boolean; set?: boolean } = {}): boolean {
    const flags = DEVICE_FEATURES[feature].id | VFIO_DEVICE_FEATURE_PROBE | (access.get ? VFIO_DEVICE_FEATURE_GET : 0) | (access.set ? VFIO_DEVICE_FEATURE_SET : 0);
    try {
      io.vfioDeviceFeature(this.fd, { flags });
      return true;
    } catch (err) {
      // ENOTTY: no such feature here; EINVAL: not for the access asked.
      if (isSystemError(err) && (err.code === "ENOTTY" || err.code === "EINVAL")) return false;
      throw err;
    }
  }

  /** VFIO_DEVICE_FEATURE with GET: the feature's payload, decoded. */
  getFeature<F extends GettableFeature>(feature: F): FeaturePayload<F> {
    const spec = DEVICE_FEATURES[feature];
    const got = io.vfioDeviceFeature(this.fd, { flags: spec.id | VFIO_DEVICE_FEATURE_GET, data: new Uint8Array(spec.payload.size) });
    return spec.payload.decode(new DataView(got.trailing.buffer, got.trailing.byteOffset, got.trailing.byteLength)) as FeaturePayload<F>;
  }

  /** VFIO_DEVICE_FEATURE with SET; returns the payload as the kernel left it (MIG_DEVICE_STATE's data_fd). */
  setFeature<F extends SettableFeature>(feature: F, ...payload: FeaturePayloadInit<F> extends undefined ? [] : [FeaturePayloadInit<F>]): FeaturePayload<F> {
    const spec = DEVICE_FEATURES[feature] as { id: number; payload?: { size: number; encode(v: unknown, t: DataView): void; decode(s: DataView): unknown } };
    const data = spec.payload ? new DataView(new ArrayBuffer(spec.payload.size)) : undefined;
    if (spec.payload) spec.payload.encode(payload[0] ?? {}, data!);
    const got = io.vfioDeviceFeature(this.fd, { flags: spec.id | VFIO_DEVICE_FEATURE_SET, data });
    const back = new DataView(got.trailing.buffer, got.trailing.byteOffset, got.trailing.byteLength);
    return (spec.payload ? spec.payload.decode(back) : {}) as FeaturePayload<F>;
  }

  /**
   * Unmaps the region mappings (one the kernel still pins stays mapped, safely), detaches the
   * page table it attached, and closes the device, which unbinds it from the iommufd and
   * releases its interrupts.
   */
  override close(): void {
    if (this.closed) return;
    for (const m of [...this.#mappings]) {
      try {
        m.unmap();
      } catch {
        // EBUSY: the kernel uses it; it stays mapped until the last pin goes.
      }
    }
    if (this.#attached !== undefined && this.inFlightCalls === 0) {
      try {
        this.detach();
      } catch {
        // Closing the fd detaches as well.
      }
    }
    super.close();
  }

  #setIrqs(flags: number, index: number, start: number, vectors: number | readonly (EventFd | null)[]): void {
    if (typeof vectors === "number") {
      io.vfioDeviceSetIrqs(this.fd, { flags, index, start, count: vectors });
      return;
    }
    // The count is the number of fds given: the kernel reads count × 4 bytes after the struct.
    const data = Int32Array.from(vectors, (e) => (e === null ? -1 : e.fd));
    io.vfioDeviceSetIrqs(this.fd, { flags, index, start, count: data.length, data });
  }

  /**
   * The absolute device-fd offset of [offset, offset + length) inside a region, checked. A number:
   * fs.writeSync takes a bigint position as "the current position" on Node 20.
   */
  #span(index: number, offset: number | bigint, length: number, need: "readable" | "writable"): number {
    let info = this.#spans.get(index);
    if (!info) this.#spans.set(index, (info = this.region(index)));
    const at = BigInt(offset);
    if (!info[need]) throw new TypeError(`region ${index} is not ${need} (flags 0x${info.flags.toString(16)})`);
    if (at < 0n || !Number.isSafeInteger(length) || length < 0 || at + BigInt(length) > info.size) {
      throw new RangeError(`region ${index}: [0x${at.toString(16)}, +${length}) is outside its 0x${info.size.toString(16)} bytes`);
    }
    const absolute = info.offset + at;
    if (absolute > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`region ${index} lies beyond 2^53 in the device fd`);
    return Number(absolute);
  }
}
