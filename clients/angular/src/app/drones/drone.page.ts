import { DatePipe } from '@angular/common';
import { Component, DestroyRef, OnInit, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import type { Observable } from 'rxjs';

import { SessionService } from '../auth/session.service';
import { graphql } from '../graphql/generated';
import type { DroneDetailsQuery, MaintenanceKind } from '../graphql/generated/graphql';
import { messageOf } from '../shared/errors';
import { FormErrors } from '../shared/fields';
import { MaintenanceKindLabelPipe, StatusLabelPipe } from '../shared/label.pipes';
import { MAINTENANCE_KINDS } from '../shared/labels';
import { PersonPicker, SitePicker } from '../shared/pickers/pickers';

const DRONE = graphql(`
  query DroneDetails($id: ID!) {
    drone(id: $id) {
      ...DroneSummary
      ...DroneCustody
      statusNote
      maintenanceIntervalDays
      lastMaintenanceAt
      maintenanceDueAt
      maintenanceDue
      createdAt
      registeredBy {
        ...Person
      }
      cameras {
        brand
      }
      photos {
        id
        url
        thumbnailUrl
        width
        height
        caption
      }
      maintenance(first: 50) {
        totalCount
        nodes {
          id
          kind
          note
          performedAt
          recordedBy {
            ...Person
          }
        }
      }
    }
  }
`);

const CHECK_OUT = graphql(`
  mutation CheckOutDrone($id: ID!, $to: ID!, $dueBackAt: DateTime, $note: String) {
    checkOutDrone(id: $id, to: $to, dueBackAt: $dueBackAt, note: $note) {
      ...DroneCustody
    }
  }
`);

const CHECK_IN = graphql(`
  mutation CheckInDrone($id: ID!, $siteId: ID, $toMaintenance: Boolean, $note: String) {
    checkInDrone(id: $id, siteId: $siteId, toMaintenance: $toMaintenance, note: $note) {
      ...DroneCustody
    }
  }
`);

const RECORD_MAINTENANCE = graphql(`
  mutation RecordMaintenance($droneId: ID!, $input: MaintenanceInput!) {
    recordMaintenance(droneId: $droneId, input: $input) {
      id
    }
  }
`);

const ADD_PHOTO = graphql(`
  mutation AddDronePhoto($droneId: ID!, $file: Upload!, $caption: String) {
    addDronePhoto(droneId: $droneId, file: $file, caption: $caption) {
      id
    }
  }
`);

type Drone = NonNullable<DroneDetailsQuery['drone']>;

/**
 * One drone: what it is, where it is and who holds it, its maintenance log and photos. The
 * support team checks it out and in, records maintenance and uploads photos here; the pilot
 * who holds it may check it in. Everyone else reads.
 */
@Component({
  selector: 'app-drone-page',
  imports: [
    DatePipe,
    FormsModule,
    MaintenanceKindLabelPipe,
    PersonPicker,
    RouterLink,
    SitePicker,
    StatusLabelPipe,
  ],
  templateUrl: './drone.page.html',
  styleUrl: './drone.page.css',
})
export class DronePage implements OnInit {
  /** The route's `:id`. */
  readonly id = input.required<string>();
  protected readonly session = inject(SessionService);
  protected readonly kinds = MAINTENANCE_KINDS;
  protected readonly drone = signal<Drone | null>(null);
  protected readonly missing = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly notice = signal<string | null>(null);
  protected readonly busy = signal(false);
  /** The holder may check in what they hold; SUPPORT may check in anything. */
  protected readonly canCheckIn = computed(() => {
    const drone = this.drone();
    return (
      drone?.status === 'CHECKED_OUT' &&
      (this.session.canWrite() || drone.holder?.id === this.session.viewer()?.id)
    );
  });

  protected checkOut = { to: '', dueBackAt: '', note: '' };
  protected checkIn = { siteId: '', toMaintenance: false, note: '' };
  protected maintenance = { kind: 'INSPECTION' as MaintenanceKind, note: '', returnToService: false };
  protected photo = { file: null as File | null, caption: '' };
  /** Each form's errors beside its fields, named as the mutation's arguments (and
   * MaintenanceInput's fields), from `extensions.field`. */
  protected readonly checkOutErrors = new FormErrors(['to', 'dueBackAt', 'note']);
  protected readonly checkInErrors = new FormErrors(['siteId', 'toMaintenance', 'note']);
  protected readonly maintenanceErrors = new FormErrors(['kind', 'note', 'returnToService']);
  protected readonly photoErrors = new FormErrors(['file', 'caption']);

  private readonly apollo = inject(Apollo);
  private readonly destroyRef = inject(DestroyRef);

  ngOnInit(): void {
    this.apollo
      .watchQuery({ query: DRONE, variables: { id: this.id() } })
      .valueChanges.pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe((result) => {
        if (result.error) this.error.set(messageOf(result.error));
        if (result.data && 'drone' in result.data) {
          this.drone.set((result.data.drone as Drone | null) ?? null);
          this.missing.set(!result.data.drone);
        }
      });
  }

  protected submitCheckOut(): void {
    const dueBackAt = this.checkOut.dueBackAt ? new Date(this.checkOut.dueBackAt).toISOString() : null;
    this.run(
      this.apollo.mutate({
        mutation: CHECK_OUT,
        variables: { id: this.id(), to: this.checkOut.to, dueBackAt, note: this.checkOut.note || null },
      }),
      'Checked out.',
      this.checkOutErrors,
      () => (this.checkOut = { to: '', dueBackAt: '', note: '' }),
    );
  }

  protected submitCheckIn(): void {
    this.run(
      this.apollo.mutate({
        mutation: CHECK_IN,
        variables: {
          id: this.id(),
          siteId: this.checkIn.siteId || null,
          toMaintenance: this.checkIn.toMaintenance,
          note: this.checkIn.note || null,
        },
      }),
      'Checked in.',
      this.checkInErrors,
      () => (this.checkIn = { siteId: '', toMaintenance: false, note: '' }),
    );
  }

  protected submitMaintenance(): void {
    this.run(
      this.apollo.mutate({
        mutation: RECORD_MAINTENANCE,
        variables: {
          droneId: this.id(),
          input: {
            kind: this.maintenance.kind,
            note: this.maintenance.note,
            returnToService: this.maintenance.returnToService,
          },
        },
        refetchQueries: [{ query: DRONE, variables: { id: this.id() } }],
        awaitRefetchQueries: true,
      }),
      'Maintenance recorded.',
      this.maintenanceErrors,
      () => (this.maintenance = { kind: 'INSPECTION', note: '', returnToService: false }),
    );
  }

  protected choosePhoto(event: Event): void {
    this.photo.file = (event.target as HTMLInputElement).files?.[0] ?? null;
  }

  protected submitPhoto(form: HTMLFormElement): void {
    if (!this.photo.file) return;
    this.run(
      this.apollo.mutate({
        mutation: ADD_PHOTO,
        variables: { droneId: this.id(), file: this.photo.file, caption: this.photo.caption || null },
        // Multipart, with the header that tells Hangar it is no cross-site form post.
        context: { useMultipart: true, headers: { 'Apollo-Require-Preflight': 'true' } },
        refetchQueries: [{ query: DRONE, variables: { id: this.id() } }],
        awaitRefetchQueries: true,
      }),
      'Photo added.',
      this.photoErrors,
      () => {
        this.photo = { file: null, caption: '' };
        form.reset();
      },
    );
  }

  /** Runs a change: busy while it runs, then a notice, or its form's errors beside their fields. */
  private run(change: Observable<unknown>, done: string, errors: FormErrors, reset: () => void): void {
    this.busy.set(true);
    errors.clear();
    this.notice.set(null);
    change.subscribe({
      next: () => {
        this.busy.set(false);
        this.notice.set(done);
        reset();
      },
      error: (error: unknown) => {
        this.busy.set(false);
        errors.show(error);
      },
    });
  }
}
