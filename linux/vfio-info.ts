// What a vfio device reports about itself, as typed objects: the device, its regions with their
// capability chains, its interrupts, the devices a hot reset affects, and the device features
// whose payloads are plain data (the allowlist the typed VFIO_DEVICE_FEATURE call accepts).
import type { Capability } from "@uapigen/runtime";
import {
  VFIO_DEVICE_FEATURE_BUS_MASTER,
  VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP,
  VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
  VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
  VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
  VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2,
  VFIO_DEVICE_FEATURE_MIGRATION,
  VFIO_DEVICE_FLAGS_PCI,
  VFIO_DEVICE_FLAGS_RESET,
  VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP,
  VFIO_IRQ_INFO_AUTOMASKED,
  VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_INFO_MASKABLE,
  VFIO_IRQ_INFO_NORESIZE,
  VFIO_PCI_HOT_RESET_FLAG_DEV_ID,
  VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED,
  VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
  VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD,
  VFIO_REGION_INFO_CAP_NVLINK2_SSATGT,
  VFIO_REGION_INFO_CAP_SPARSE_MMAP,
  VFIO_REGION_INFO_CAP_TYPE,
  VFIO_REGION_INFO_FLAG_MMAP,
  VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
  vfio_device_feature_bus_master,
  vfio_device_feature_mig_data_size,
  vfio_device_feature_mig_state,
  vfio_device_feature_migration,
  vfio_device_low_power_entry_with_wakeup,
  vfio_pci_dependent_device,
  type vfio_device_info,
  type vfio_irq_info,
  type vfio_pci_hot_reset_info,
  type vfio_region_info,
} from "./generated/vfio.js";

/** A capability the runtime walked but this module has no type for: its raw bytes. */
export interface UnknownCapability {
  readonly kind: "unknown";
  readonly id: number;
  readonly version: number;
  readonly bytes: Uint8Array;
}

export interface DeviceInfo {
  readonly flags: number;
  readonly numRegions: number;
  readonly numIrqs: number;
  /** VFIO_DEVICE_FLAGS_RESET: VFIO_DEVICE_RESET works. */
  readonly resettable: boolean;
  readonly pci: boolean;
  readonly capabilities: readonly ({ readonly kind: "pci-atomic-comp"; readonly flags: number } | UnknownCapability)[];
}

export interface SparseMmapArea {
  /** From the start of the region. */
  readonly offset: bigint;
  readonly size: bigint;
}

export type RegionCapability =
  /** Only these areas of the region may be mmapped (the rest is trapped: an MSI-X table, say). */
  | { readonly kind: "sparse-mmap"; readonly areas: readonly SparseMmapArea[] }
  /** A device-specific region: VFIO_REGION_TYPE_* and its subtype. */
  | { readonly kind: "type"; readonly type: number; readonly subtype: number }
  /** The MSI-X table in this BAR may be mmapped along with the rest. */
  | { readonly kind: "msix-mappable" }
  | { readonly kind: "nvlink2-ssatgt"; readonly tgt: bigint }
  | { readonly kind: "nvlink2-lnkspd"; readonly linkSpeed: number }
  | UnknownCapability;

export interface RegionInfo {
  readonly index: number;
  readonly flags: number;
  /** Bytes; 0 for a region the device does not implement. */
  readonly size: bigint;
  /** Where the region starts in the device fd (for pread/pwrite and mmap). */
  readonly offset: bigint;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly mappable: boolean;
  readonly capabilities: readonly RegionCapability[];
}

export interface IrqInfo {
  readonly index: number;
  readonly flags: number;
  /** Vectors the index has (0: not implemented). */
  readonly count: number;
  /** Can signal an eventfd. */
  readonly eventfd: boolean;
  readonly maskable: boolean;
  /** Level-triggered: masked by vfio after each signal until unmasked. */
  readonly automasked: boolean;
  /** Vectors are enabled as a set: change the count only after disabling the index. */
  readonly noresize: boolean;
}

/** A device a hot reset of this one's bus or slot resets too. */
export interface DependentDevice {
  readonly segment: number;
  readonly bus: number;
  readonly devfn: number;
  /** `0000:00:03.0` */
  readonly address: string;
  /** The iommufd device ID (cdev); the IOMMU group (legacy group interface) otherwise. */
  readonly devid?: number;
  readonly groupId?: number;
}

export interface HotResetInfo {
  readonly flags: number;
  /** Every affected device is opened by this user (cdev: VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED). */
  readonly owned: boolean;
  readonly devices: readonly DependentDevice[];
}

const capabilityOf = (c: Capability<unknown>): UnknownCapability => ({ kind: "unknown", id: c.id, version: c.version, bytes: c.bytes });

export function deviceInfo(raw: vfio_device_info & { capabilities?: readonly Capability<unknown>[] }): DeviceInfo {
  return {
    flags: raw.flags,
    numRegions: raw.num_regions,
    numIrqs: raw.num_irqs,
    resettable: (raw.flags & VFIO_DEVICE_FLAGS_RESET) !== 0,
    pci: (raw.flags & VFIO_DEVICE_FLAGS_PCI) !== 0,
    capabilities: (raw.capabilities ?? []).map((c) =>
      c.id === VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP && c.value ? { kind: "pci-atomic-comp" as const, flags: (c.value as { flags: number }).flags } : capabilityOf(c),
    ),
  };
}

function regionCapability(c: Capability<unknown>): RegionCapability {
  const v = c.value as Record<string, unknown> | undefined;
  switch (c.id) {
    case VFIO_REGION_INFO_CAP_SPARSE_MMAP:
      return v ? { kind: "sparse-mmap", areas: ((v.areas ?? []) as SparseMmapArea[]).map(({ offset, size }) => ({ offset, size })) } : capabilityOf(c);
    case VFIO_REGION_INFO_CAP_TYPE:
      return v ? { kind: "type", type: v.type as number, subtype: v.subtype as number } : capabilityOf(c);
    case VFIO_REGION_INFO_CAP_MSIX_MAPPABLE:
      return { kind: "msix-mappable" };
    case VFIO_REGION_INFO_CAP_NVLINK2_SSATGT:
      return v ? { kind: "nvlink2-ssatgt", tgt: v.tgt as bigint } : capabilityOf(c);
    case VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD:
      return v ? { kind: "nvlink2-lnkspd", linkSpeed: v.link_speed as number } : capabilityOf(c);
    default:
      return capabilityOf(c);
  }
}

export function regionInfo(raw: vfio_region_info & { capabilities?: readonly Capability<unknown>[] }): RegionInfo {
  return {
    index: raw.index,
    flags: raw.flags,
    size: raw.size,
    offset: raw.offset,
    readable: (raw.flags & VFIO_REGION_INFO_FLAG_READ) !== 0,
    writable: (raw.flags & VFIO_REGION_INFO_FLAG_WRITE) !== 0,
    mappable: (raw.flags & VFIO_REGION_INFO_FLAG_MMAP) !== 0,
    capabilities: (raw.capabilities ?? []).map(regionCapability),
  };
}

export function irqInfo(raw: vfio_irq_info): IrqInfo {
  return {
    index: raw.index,
    flags: raw.flags,
    count: raw.count,
    eventfd: (raw.flags & VFIO_IRQ_INFO_EVENTFD) !== 0,
    maskable: (raw.flags & VFIO_IRQ_INFO_MASKABLE) !== 0,
    automasked: (raw.flags & VFIO_IRQ_INFO_AUTOMASKED) !== 0,
    noresize: (raw.flags & VFIO_IRQ_INFO_NORESIZE) !== 0,
  };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** The devices in a hot-reset reply: `count` entries of the trailing bytes, as far as they hold. */
export function hotResetInfo(raw: vfio_pci_hot_reset_info, trailing: Uint8Array): HotResetInfo {
  const dv = new DataView(trailing.buffer, trailing.byteOffset, trailing.byteLength);
  const n = Math.min(raw.count, Math.floor(trailing.length / vfio_pci_dependent_device.size));
  const byDevid = (raw.flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID) !== 0;
  const devices = Array.from({ length: n }, (_, i): DependentDevice => {
    const d = vfio_pci_dependent_device.decode(dv, i * vfio_pci_dependent_device.size);
    const address = `${hex(d.segment, 4)}:${hex(d.bus, 2)}:${hex(d.devfn >> 3, 2)}.${d.devfn & 7}`;
    return { segment: d.segment, bus: d.bus, devfn: d.devfn, address, ...(byDevid ? { devid: d.devid } : { groupId: d.group_id }) };
  });
  return { flags: raw.flags, owned: (raw.flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED) !== 0, devices };
}

/**
 * The device features whose payload is plain data inside argsz, by name: the feature number,
 * the payload's codec (none: the feature has no payload), and what the kernel allows (get, set).
 * Payloads with user pointers or counts the kernel trusts (DMA logging start/report, DMA_BUF,
 * ZPCI_ERROR) are not here: they go only through vfioDeviceFeatureUnsafe.
 */
export const DEVICE_FEATURES = {
  migration: { id: VFIO_DEVICE_FEATURE_MIGRATION, payload: vfio_device_feature_migration, get: true, set: false },
  migDeviceState: { id: VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, payload: vfio_device_feature_mig_state, get: true, set: true },
  lowPowerEntry: { id: VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, payload: undefined, get: false, set: true },
  lowPowerEntryWithWakeup: { id: VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, payload: vfio_device_low_power_entry_with_wakeup, get: false, set: true },
  lowPowerExit: { id: VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, payload: undefined, get: false, set: true },
  dmaLoggingStop: { id: VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, payload: undefined, get: false, set: true },
  migDataSize: { id: VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, payload: vfio_device_feature_mig_data_size, get: true, set: false },
  busMaster: { id: VFIO_DEVICE_FEATURE_BUS_MASTER, payload: vfio_device_feature_bus_master, get: false, set: true },
  migPrecopyInfoV2: { id: VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, payload: undefined, get: false, set: true },
} as const;

export type DeviceFeature = keyof typeof DEVICE_FEATURES;
type Spec<F extends DeviceFeature> = (typeof DEVICE_FEATURES)[F];
/** The decoded payload of a feature (an empty object for one without). */
export type FeaturePayload<F extends DeviceFeature> = Spec<F>["payload"] extends { decode(...a: never[]): infer V } ? V : Record<string, never>;
/** What setting a feature takes (its codec's Init), or nothing. */
export type FeaturePayloadInit<F extends DeviceFeature> = Spec<F>["payload"] extends { encode(value: infer I, ...a: never[]): unknown } ? I : undefined;
/** The features the kernel lets userspace read. */
export type GettableFeature = { [F in DeviceFeature]: Spec<F>["get"] extends true ? F : never }[DeviceFeature];
/** The features the kernel lets userspace set. */
export type SettableFeature = { [F in DeviceFeature]: Spec<F>["set"] extends true ? F : never }[DeviceFeature];
