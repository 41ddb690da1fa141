// A vfio region mmapped into the process (a BAR: device registers), and PCI config space helpers
// over the config region. MMIO goes through typed arrays, one load or store of the access's width
// each: a device register read byte by byte (as a DataView may do) is a different access to the
// device, and many devices (QEMU's edu among them) ignore accesses of the wrong width.
import { munmap } from "@uapigen/runtime";

function checkAccess(at: number, width: number, length: number): number {
  if (!Number.isInteger(at) || at < 0 || at + width > length) throw new RangeError(`offset ${String(at)} (${width} bytes) is outside the mapping (${length} bytes)`);
  if (at % width) throw new RangeError(`offset 0x${at.toString(16)} is not ${width}-byte aligned: device registers take aligned accesses`);
  return at / width;
}

function unmappedError(): Error {
  return Object.assign(new Error("EBADF: the region mapping was unmapped"), { code: "EBADF", errno: -9 });
}

/** Part of a region, mapped shared and read-write; unmapped on dispose (or when collected). */
export class RegionMapping implements Disposable {
  #buffer?: ArrayBuffer;
  #u8: Uint8Array;
  #u16: Uint16Array;
  #u32: Uint32Array;
  #u64?: BigUint64Array;
  readonly #onUnmap?: (m: RegionMapping) => void;

  /**
   * @param region the region index
   * @param offset where the mapping starts in the region
   */
  constructor(
    readonly region: number,
    readonly offset: bigint,
    buffer: ArrayBuffer,
    onUnmap?: (m: RegionMapping) => void,
  ) {
    this.#buffer = buffer;
    this.#u8 = new Uint8Array(buffer);
    this.#u16 = new Uint16Array(buffer, 0, buffer.byteLength >> 1);
    this.#u32 = new Uint32Array(buffer, 0, buffer.byteLength >> 2);
    this.#u64 = new BigUint64Array(buffer, 0, buffer.byteLength >> 3);
    this.#onUnmap = onUnmap;
  }

  get mapped(): boolean {
    return this.#buffer !== undefined;
  }

  get length(): number {
    return this.#buffer?.byteLength ?? 0;
  }

  /** The mapped bytes (runtime memory); EBADF once unmapped. */
  get buffer(): ArrayBuffer {
    if (!this.#buffer) throw unmappedError();
    return this.#buffer;
  }

  read8(at: number): number {
    return this.#u8[checkAccess(at, 1, this.#live())]!;
  }
  read16(at: number): number {
    return this.#u16[checkAccess(at, 2, this.#live())]!;
  }
  read32(at: number): number {
    return this.#u32[checkAccess(at, 4, this.#live())]!;
  }
  read64(at: number): bigint {
    return this.#u64![checkAccess(at, 8, this.#live())]!;
  }
  write8(at: number, value: number): void {
    this.#u8[checkAccess(at, 1, this.#live())] = value;
  }
  write16(at: number, value: number): void {
    this.#u16[checkAccess(at, 2, this.#live())] = value;
  }
  write32(at: number, value: number): void {
    this.#u32[checkAccess(at, 4, this.#live())] = value;
  }
  write64(at: number, value: bigint): void {
    this.#u64![checkAccess(at, 8, this.#live())] = value;
  }

  /** munmap now; EBUSY while the kernel uses the memory (a call in flight, a DMA mapping of it). */
  unmap(): void {
    if (!this.#buffer) return;
    munmap(this.#buffer);
    this.#buffer = undefined;
    this.#onUnmap?.(this);
  }

  [Symbol.dispose](): void {
    this.unmap();
  }

  #live(): number {
    if (!this.#buffer) throw unmappedError();
    return this.#buffer.byteLength;
  }
}

/** PCI config space registers (pci_regs.h). */
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_INTX_DISABLE = 0x400;
export const PCI_STATUS = 0x06;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_CAP_ID_PM = 0x01;
export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_MSIX = 0x11;

/** How the config helpers reach the config region (VfioDevice.read/write of its index). */
export interface ConfigAccess {
  read(offset: number, length: number): Uint8Array;
  write(offset: number, bytes: Uint8Array): void;
}

/** Config space of a vfio-pci device, read and written through the kernel (which virtualizes parts of it). */
export class PciConfig {
  constructor(readonly access: ConfigAccess) {}

  read8(at: number): number {
    return this.access.read(at, 1)[0]!;
  }
  read16(at: number): number {
    const b = this.access.read(at, 2);
    return b[0]! | (b[1]! << 8);
  }
  read32(at: number): number {
    const b = this.access.read(at, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }
  write8(at: number, value: number): void {
    this.access.write(at, Uint8Array.of(value));
  }
  write16(at: number, value: number): void {
    this.access.write(at, Uint8Array.of(value & 0xff, (value >> 8) & 0xff));
  }
  write32(at: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    this.access.write(at, b);
  }

  get vendorId(): number {
    return this.read16(PCI_VENDOR_ID);
  }
  get deviceId(): number {
    return this.read16(PCI_DEVICE_ID);
  }
  get command(): number {
    return this.read16(PCI_COMMAND);
  }
  set command(value: number) {
    this.write16(PCI_COMMAND, value);
  }

  /** Lets the device master the bus (DMA, and MSI writes); other command bits stay as they are. */
  enableBusMaster(): void {
    this.command = this.command | PCI_COMMAND_MASTER;
  }

  disableBusMaster(): void {
    this.command = this.command & ~PCI_COMMAND_MASTER;
  }

  /** The standard capability list: each capability's ID and offset, in list order. */
  capabilities(): { id: number; offset: number }[] {
    const out: { id: number; offset: number }[] = [];
    if (!(this.read16(PCI_STATUS) & PCI_STATUS_CAP_LIST)) return out;
    const seen = new Set<number>();
    // Pointers are dword aligned and above the header; a loop or a wild pointer ends the walk.
    for (let at = this.read8(PCI_CAPABILITY_LIST) & 0xfc; at >= 0x40 && !seen.has(at); at = this.read8(at + 1) & 0xfc) {
      seen.add(at);
      out.push({ id: this.read8(at), offset: at });
    }
    return out;
  }

  /** The offset of the first capability with this ID, if the device has one. */
  capability(id: number): number | undefined {
    return this.capabilities().find((c) => c.id === id)?.offset;
  }
}
