// The words the console shows for the API's enum values: one home, read by every page (the
// list's filter and badges, the drone page, the dashboard's chart and table).
import type { DroneStatus, MaintenanceKind } from '../graphql/generated/graphql';

/** Every drone status, in the order the console lists them. */
export const DRONE_STATUSES: readonly { value: DroneStatus; label: string }[] = [
  { value: 'AVAILABLE', label: 'Available' },
  { value: 'CHECKED_OUT', label: 'Checked out' },
  { value: 'MAINTENANCE', label: 'In maintenance' },
  { value: 'LOST', label: 'Lost' },
  { value: 'RETIRED', label: 'Retired' },
];

/** What maintenance can be recorded. */
export const MAINTENANCE_KINDS: readonly { value: MaintenanceKind; label: string }[] = [
  { value: 'INSPECTION', label: 'Inspection' },
  { value: 'REPAIR', label: 'Repair' },
  { value: 'FIRMWARE_UPDATE', label: 'Firmware update' },
];

export function statusLabel(status: DroneStatus | string): string {
  return DRONE_STATUSES.find((s) => s.value === status)?.label ?? status;
}

export function maintenanceKindLabel(kind: MaintenanceKind | string): string {
  return MAINTENANCE_KINDS.find((k) => k.value === kind)?.label ?? kind;
}
