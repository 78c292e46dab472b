import { Pipe, PipeTransform } from '@angular/core';

import { maintenanceKindLabel, statusLabel } from './labels';

/** `{{ drone.status | statusLabel }}`: "Checked out" for CHECKED_OUT. */
@Pipe({ name: 'statusLabel' })
export class StatusLabelPipe implements PipeTransform {
  transform(status: string): string {
    return statusLabel(status);
  }
}

/** `{{ entry.kind | maintenanceKindLabel }}`: "Firmware update" for FIRMWARE_UPDATE. */
@Pipe({ name: 'maintenanceKindLabel' })
export class MaintenanceKindLabelPipe implements PipeTransform {
  transform(kind: string): string {
    return maintenanceKindLabel(kind);
  }
}
