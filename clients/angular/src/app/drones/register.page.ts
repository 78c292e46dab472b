import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { Apollo } from 'apollo-angular';
import Papa from 'papaparse';
import { firstValueFrom } from 'rxjs';

import { graphql } from '../graphql/generated';
import type {
  CameraSummaryFragment,
  OnConflict,
  RegisterDroneInput,
} from '../graphql/generated/graphql';
import { messageOf } from '../shared/errors';
import { type FieldRef, FormErrors, fieldOf } from '../shared/fields';
import { CameraPicker, SitePicker } from '../shared/pickers/pickers';

const REGISTER = graphql(`
  mutation RegisterDrone($input: RegisterDroneInput!) {
    registerDrone(input: $input) {
      id
    }
  }
`);

const REGISTER_MANY = graphql(`
  mutation RegisterDrones($inputs: [RegisterDroneInput!]!, $onConflict: OnConflict) {
    registerDrones(inputs: $inputs, onConflict: $onConflict) {
      created
      updated
      skipped
      drones {
        id
        serialNumber
      }
    }
  }
`);

/** Lines per `registerDrones` call: progress moves every batch, and one bad line costs a resend of its batch only. */
const BATCH = 200;

/** The form's controls, named as RegisterDroneInput's fields (and the CSV file's columns). */
const CONTROLS = ['serialNumber', 'name', 'brand', 'cameraModels', 'site', 'tags', 'maintenanceIntervalDays'];

/** One CSV line's outcome; a refused line names the column it was refused for, when the
 * server named one (`extensions.items[].field`). */
interface LineReport {
  line: number;
  serialNumber: string;
  outcome: 'created' | 'updated' | 'skipped' | 'refused';
  message?: string;
  field?: FieldRef | null;
}

const list = (text: string | undefined, separator: RegExp) =>
  (text ?? '')
    .split(separator)
    .map((t) => t.trim())
    .filter(Boolean);

/**
 * Registering drones (SUPPORT): one at a time, camera models and the site searched as you type
 * among those the API knows, every error beside its field; or many from a CSV file through
 * `registerDrones`, with a progress bar and a report line for every line of the file.
 */
@Component({
  selector: 'app-register-page',
  imports: [CameraPicker, FormsModule, RouterLink, SitePicker],
  templateUrl: './register.page.html',
  styleUrl: './register.page.css',
})
export class RegisterPage {
  /** The camera models picked so far, in the order picked. */
  protected readonly cameras = signal<CameraSummaryFragment[]>([]);
  protected form = { serialNumber: '', name: '', brand: '', site: '', tags: '', maintenanceIntervalDays: '' };
  /** Every error beside its field, from `extensions.field`; a taken serial number (CONFLICT,
   * which names no field) beside the serial number, where the schema says it belongs. */
  protected readonly errors = new FormErrors(CONTROLS, { CONFLICT: 'serialNumber' });
  protected readonly busy = signal(false);

  protected onConflict: OnConflict = 'SKIP';
  protected readonly progress = signal<{ done: number; total: number } | null>(null);
  protected readonly report = signal<LineReport[]>([]);
  protected readonly bulkError = signal<string | null>(null);

  private readonly apollo = inject(Apollo);
  private readonly router = inject(Router);

  protected addCamera(camera: CameraSummaryFragment): void {
    this.cameras.update((picked) => (picked.some((c) => c.id === camera.id) ? picked : [...picked, camera]));
  }

  protected removeCamera(camera: CameraSummaryFragment): void {
    this.cameras.update((picked) => picked.filter((c) => c.id !== camera.id));
  }

  protected register(): void {
    const f = this.form;
    const input: RegisterDroneInput = {
      serialNumber: f.serialNumber,
      name: f.name,
      brand: f.brand,
      cameraModels: this.cameras().map((c) => c.model),
      site: f.site || null,
      tags: list(f.tags, /,/),
      maintenanceIntervalDays: f.maintenanceIntervalDays ? Number(f.maintenanceIntervalDays) : null,
    };
    this.busy.set(true);
    this.errors.clear();
    this.apollo.mutate({ mutation: REGISTER, variables: { input } }).subscribe({
      next: ({ data }) => void this.router.navigate(['/drones', data!.registerDrone.id]),
      error: (error: unknown) => {
        this.busy.set(false);
        this.errors.show(error);
      },
    });
  }

  protected async importCsv(event: Event): Promise<void> {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    this.report.set([]);
    this.bulkError.set(null);
    const parsed = Papa.parse<Record<string, string>>(await file.text(), {
      header: true,
      skipEmptyLines: true,
      transformHeader: (h) => h.trim(),
    });
    const missing = ['serialNumber', 'name', 'brand'].filter((h) => !parsed.meta.fields?.includes(h));
    if (missing.length) {
      this.bulkError.set(
        `The file needs a header line with serialNumber, name and brand (missing: ${missing.join(', ')}); ` +
          'cameraModels, site, tags and maintenanceIntervalDays are optional, lists separated by ";".',
      );
      return;
    }
    // Line 1 is the header.
    const lines = parsed.data.map((row, i) => ({
      line: i + 2,
      input: {
        serialNumber: row['serialNumber'] ?? '',
        name: row['name'] ?? '',
        brand: row['brand'] ?? '',
        cameraModels: list(row['cameraModels'], /;/),
        site: row['site']?.trim() || null,
        tags: list(row['tags'], /;/),
        maintenanceIntervalDays: row['maintenanceIntervalDays']?.trim()
          ? Number(row['maintenanceIntervalDays'])
          : null,
      } satisfies RegisterDroneInput,
    }));
    this.progress.set({ done: 0, total: lines.length });
    const report: LineReport[] = [];
    try {
      for (let at = 0; at < lines.length; at += BATCH) {
        report.push(...(await this.sendBatch(lines.slice(at, at + BATCH))));
        this.progress.set({ done: Math.min(at + BATCH, lines.length), total: lines.length });
        this.report.set([...report]);
      }
    } catch (error) {
      this.bulkError.set(`The import stopped: ${messageOf(error)} Lines reported above were done.`);
    }
  }

  /** One batch; lines the server refuses (named in `extensions.items`) are reported and the
   * rest sent again, so one bad line does not keep the others out. */
  private async sendBatch(batch: { line: number; input: RegisterDroneInput }[]): Promise<LineReport[]> {
    const refused: LineReport[] = [];
    let pending = batch;
    while (pending.length) {
      try {
        const { data } = await firstValueFrom(
          this.apollo.mutate({
            mutation: REGISTER_MANY,
            variables: { inputs: pending.map((p) => p.input), onConflict: this.onConflict },
          }),
        );
        const written = new Set(data!.registerDrones.drones.map((d) => d.serialNumber.toLowerCase()));
        const outcome = this.onConflict === 'UPDATE' ? 'updated' : 'created';
        const done = pending.map((p): LineReport => ({
          line: p.line,
          serialNumber: p.input.serialNumber,
          outcome: written.has(p.input.serialNumber.trim().toLowerCase()) ? outcome : 'skipped',
        }));
        return [...refused, ...done].sort((a, b) => a.line - b.line);
      } catch (error) {
        const items = itemsOf(error);
        if (!items.length) throw error;
        const bad = new Map(items.map((i) => [i.index, i]));
        for (const [i, p] of pending.entries()) {
          const item = bad.get(i);
          if (item !== undefined) {
            refused.push({
              line: p.line,
              serialNumber: p.input.serialNumber,
              outcome: 'refused',
              message: item.message,
              field: fieldOf(item),
            });
          }
        }
        pending = pending.filter((_, i) => !bad.has(i));
      }
    }
    return refused.sort((a, b) => a.line - b.line);
  }

  /** The CSV column a refused line's field is, and which entry of a list column
   * (`cameraModels.1` -> "cameraModels, entry 2"). */
  protected columnOf(field: FieldRef): string {
    if (!field.control) return '';
    return field.index === null ? field.control : `${field.control}, entry ${field.index + 1}`;
  }

  protected count(outcome: LineReport['outcome']): number {
    return this.report().filter((r) => r.outcome === outcome).length;
  }
}

/** One item of a refused bulk call's `extensions.items`: which input, what is wrong, and the
 * path of the field it is about (`inputs.3.cameraModels.1`) when there is one. */
interface BulkItem {
  index: number;
  message: string;
  field?: string;
}

/** The per-item problems of a refused bulk call. */
function itemsOf(error: unknown): BulkItem[] {
  if (!CombinedGraphQLErrors.is(error)) return [];
  return error.errors.flatMap((e) => (e.extensions?.['items'] as BulkItem[] | undefined) ?? []);
}
