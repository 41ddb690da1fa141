// QEMU's edu PCI test device (hw/misc/edu.c) as the guest tests drive it: registers in a 1 MiB
// MMIO BAR0 and a DMA engine with a 4 KiB buffer at device address 0x40000. The harness
// (scripts/test-kernel.mjs) gives the VM two: one on the root bus for the DMA and interrupt
// tests, one behind a PCIe root port, which a secondary bus reset can reset.
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { RegionMapping } from "#linux/vfio.js";
import { pciDevices } from "./vfio-env.js";

export const EDU_ID = 0x010000ed;
const VENDOR = 0x1234;
const DEVICE = 0x11e8;

export const REG = {
  ID: 0x00,
  LIVENESS: 0x04,
  FACTORIAL: 0x08,
  STATUS: 0x20,
  IRQ_STATUS: 0x24,
  IRQ_RAISE: 0x60,
  IRQ_ACK: 0x64,
  DMA_SRC: 0x80,
  DMA_DST: 0x88,
  DMA_COUNT: 0x90,
  DMA_CMD: 0x98,
} as const;

const STATUS_COMPUTING = 0x01;
const DMA_START = 0x1;
const DMA_TO_RAM = 0x2;
const DMA_IRQ = 0x4;
/** The IRQ status bit edu raises when a DMA with DMA_IRQ completes. */
export const DMA_IRQ_STATUS = 0x100;
/** The device-side address of edu's DMA buffer. */
export const EDU_BUFFER = 0x40000n;
/**
 * Transfers stay under 4 KiB: QEMU 7.2's edu aborts the whole VM on a DMA of its full buffer (its
 * range check is off by one) or on any device address outside 0x40000-0x40fff.
 */
export const MAX_DMA = 4095;
/** edu masks DMA addresses to 28 bits: IOVAs must stay below 256 MiB. */
export const DMA_LIMIT = 1n << 28n;

/** The PCI addresses of the edu devices vfio-pci has: on the root bus, and behind a port. */
export function eduAddresses(): { root?: string; behindPort?: string } {
  const edus = pciDevices(VENDOR, DEVICE);
  return { root: edus.find((a) => a.startsWith("0000:00:")), behindPort: edus.find((a) => !a.startsWith("0000:00:")) };
}

async function until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!done()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`edu: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** edu's registers through a mapping of its BAR0. */
export class Edu {
  constructor(readonly bar: RegionMapping) {}

  get id(): number {
    return this.bar.read32(REG.ID);
  }

  /** The liveness register answers the bitwise NOT of what was written. */
  liveness(value: number): number {
    this.bar.write32(REG.LIVENESS, value);
    return this.bar.read32(REG.LIVENESS);
  }

  async factorial(n: number): Promise<number> {
    this.bar.write32(REG.FACTORIAL, n);
    await until("the factorial", () => (this.bar.read32(REG.STATUS) & STATUS_COMPUTING) === 0);
    return this.bar.read32(REG.FACTORIAL);
  }

  /**
   * Starts a DMA of `count` bytes: from `iova` into the device buffer at `offset`, or back to
   * `iova` (`toRam`), raising the DMA interrupt when done if `irq`. edu runs it 100 ms later.
   */
  startDma(iova: bigint, offset: number, count: number, options: { toRam?: boolean; irq?: boolean } = {}): void {
    if (count <= 0 || offset < 0 || offset + count > MAX_DMA) throw new RangeError(`edu: ${count} bytes at buffer offset ${offset} would abort QEMU 7.2's edu`);
    if (iova < 0n || iova + BigInt(count) > DMA_LIMIT) throw new RangeError(`edu: IOVA 0x${iova.toString(16)} is beyond edu's 28-bit DMA mask`);
    const device = EDU_BUFFER + BigInt(offset);
    this.bar.write64(REG.DMA_SRC, options.toRam ? device : iova);
    this.bar.write64(REG.DMA_DST, options.toRam ? iova : device);
    this.bar.write64(REG.DMA_COUNT, BigInt(count));
    this.bar.write64(REG.DMA_CMD, BigInt(DMA_START | (options.toRam ? DMA_TO_RAM : 0) | (options.irq ? DMA_IRQ : 0)));
  }

  /** Waits for the DMA engine to go idle (polling the command register). */
  async dmaIdle(): Promise<void> {
    await until("the DMA", () => (this.bar.read64(REG.DMA_CMD) & BigInt(DMA_START)) === 0n);
  }

  /** A DMA, waited for by polling. */
  async dma(iova: bigint, offset: number, count: number, toRam = false): Promise<void> {
    this.startDma(iova, offset, count, { toRam });
    await this.dmaIdle();
  }

  get irqStatus(): number {
    return this.bar.read32(REG.IRQ_STATUS);
  }

  raiseIrq(bits: number): void {
    this.bar.write32(REG.IRQ_RAISE, bits);
  }

  ackIrq(bits: number): void {
    this.bar.write32(REG.IRQ_ACK, bits);
  }
}

/** New kernel log lines (/dev/kmsg records' text) since the reader was created. */
export class KernelLog {
  readonly #fd = fs.openSync("/dev/kmsg", fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);

  constructor() {
    this.read(); // skip what is already there
  }

  read(): string[] {
    const lines: string[] = [];
    const record = Buffer.alloc(8192);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(this.#fd, record, 0, record.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") return lines;
        if (code === "EPIPE") continue; // records were overwritten: go on with the next
        throw err;
      }
      // "prio,seq,usec,flags;text"
      lines.push(record.toString("utf8", 0, n).replace(/^[^;]*;/, "").trimEnd());
    }
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}
