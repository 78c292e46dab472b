import { Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';

import { SessionService } from '../auth/session.service';
import { graphql } from '../graphql/generated';
import type { SitesQuery } from '../graphql/generated/graphql';
import { messageOf } from '../shared/errors';
import { FormErrors } from '../shared/fields';

const SITES = graphql(`
  query Sites($first: Int!, $after: String) {
    sites(first: $first, after: $after, orderBy: [{ field: NAME }]) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...SiteSummary
          address
          country
          contact
          droneCount
        }
      }
    }
  }
`);

/** Sites per page; more come a page at a time (keyset cursors), appended below. */
const PAGE_SIZE = 50;

const CREATE_SITE = graphql(`
  mutation CreateSite($input: CreateSiteInput!) {
    createSite(input: $input) {
      id
    }
  }
`);

/** The add-a-site form, named as CreateSiteInput's fields. */
interface SiteForm {
  name: string;
  city: string;
  country: string;
  address: string;
  contact: string;
}

/** Where drones are stationed, 50 at a time and more on demand; the support team adds sites here. */
@Component({
  selector: 'app-sites-page',
  imports: [FormsModule, RouterLink],
  template: `
    <div class="head">
      <h1>Sites</h1>
      @if (total() !== null) {
        <span class="muted" aria-live="polite">{{ total() }} {{ total() === 1 ? 'site' : 'sites' }}</span>
      }
    </div>
    @if (error()) {
      <p class="error" role="alert">{{ error() }}</p>
    }
    <table aria-label="Sites">
      <thead>
        <tr><th>Name</th><th>City</th><th>Country</th><th>Address</th><th>Contact</th><th>Drones</th></tr>
      </thead>
      <tbody>
        @for (edge of edges(); track edge.node.id) {
          @let site = edge.node;
          <tr>
            <td>{{ site.name }}</td>
            <td>{{ site.city }}</td>
            <td>{{ site.country }}</td>
            <td>{{ site.address ?? '' }}</td>
            <td>{{ site.contact ?? '' }}</td>
            <td>
              <a routerLink="/drones" [queryParams]="{ city: site.city }">{{ site.droneCount }}</a>
            </td>
          </tr>
        } @empty {
          <tr><td colspan="6" class="muted">{{ loading() ? 'Loading sites…' : 'No site yet.' }}</td></tr>
        }
      </tbody>
    </table>
    @if (hasMore()) {
      <p class="more">
        <button type="button" class="secondary" (click)="more()" [disabled]="loading()">
          Show more ({{ edges().length }} of {{ total() }} shown)
        </button>
      </p>
    }
    @if (session.canWrite()) {
      <form class="card" (ngSubmit)="create()" aria-labelledby="new-site">
        <h2 id="new-site">Add a site</h2>
        <div class="fields">
          @for (f of fields; track f.id) {
            <div class="field">
              <label [for]="'s-' + f.id">{{ f.label }}</label>
              <input
                [id]="'s-' + f.id"
                [name]="f.id"
                [(ngModel)]="form[f.id]"
                [required]="f.required"
                [attr.maxlength]="f.id === 'country' ? 3 : null"
                [attr.aria-invalid]="!!errors.at(f.id)"
                [attr.aria-describedby]="errors.at(f.id) ? 's-' + f.id + '-error' : null"
              />
              @if (errors.at(f.id); as message) {
                <span class="error" [id]="'s-' + f.id + '-error'">{{ message }}</span>
              }
            </div>
          }
        </div>
        @if (errors.form(); as message) {
          <p class="error" role="alert">{{ message }}</p>
        }
        <button type="submit" [disabled]="busy()">Add site</button>
      </form>
    }
  `,
  styles: `
    .head { display: flex; align-items: baseline; gap: 1rem; }
    .more { text-align: center; }
    form { margin-top: 1rem; display: flex; flex-direction: column; gap: 0.7rem; }
    h2 { font-size: 1.1rem; margin: 0; }
    .fields { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; }
    button { align-self: flex-start; }
  `,
})
export class SitesPage {
  protected readonly session = inject(SessionService);
  private readonly result = signal<SitesQuery['sites'] | null>(null);
  protected readonly edges = computed(() => this.result()?.edges ?? []);
  protected readonly total = computed(() => this.result()?.totalCount ?? null);
  protected readonly hasMore = computed(() => !!this.result()?.pageInfo.hasNextPage);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected form: SiteForm = { name: '', city: '', country: '', address: '', contact: '' };
  protected readonly fields: { id: keyof SiteForm; label: string; required: boolean }[] = [
    { id: 'name', label: 'Name', required: true },
    { id: 'city', label: 'City', required: true },
    { id: 'country', label: 'Country (ISO code, e.g. FR)', required: true },
    { id: 'address', label: 'Address (optional)', required: false },
    { id: 'contact', label: 'Contact (optional)', required: false },
  ];
  /** Every error beside its field, from `extensions.field`; a name taken already (CONFLICT,
   * which names no field) beside the name. */
  protected readonly errors = new FormErrors(
    this.fields.map((f) => f.id),
    { CONFLICT: 'name' },
  );
  private readonly apollo = inject(Apollo);
  private readonly query = this.apollo.watchQuery({
    query: SITES,
    variables: { first: PAGE_SIZE },
    notifyOnNetworkStatusChange: true,
  });

  constructor() {
    this.query.valueChanges.pipe(takeUntilDestroyed()).subscribe((result) => {
      this.loading.set(result.loading);
      if (result.data?.sites) this.result.set(result.data.sites as SitesQuery['sites']);
      if (result.error) this.error.set(messageOf(result.error));
    });
  }

  protected more(): void {
    const after = this.result()?.pageInfo.endCursor;
    if (after) void this.query.fetchMore({ variables: { after } });
  }

  protected create(): void {
    const f = this.form;
    this.busy.set(true);
    this.errors.clear();
    this.apollo
      .mutate({
        mutation: CREATE_SITE,
        variables: {
          input: { name: f.name, city: f.city, country: f.country, address: f.address || null, contact: f.contact || null },
        },
      })
      .subscribe({
        next: () => {
          this.busy.set(false);
          this.form = { name: '', city: '', country: '', address: '', contact: '' };
          void this.query.refetch();
        },
        error: (error: unknown) => {
          this.busy.set(false);
          this.errors.show(error);
        },
      });
  }
}
