import { Component, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';

import { SessionService } from '../auth/session.service';
import { graphql } from '../graphql/generated';
import type { SitesQuery } from '../graphql/generated/graphql';
import { messageOf } from '../shared/errors';

const SITES = graphql(`
  query Sites {
    sites(first: 100, orderBy: [{ field: NAME }]) {
      totalCount
      nodes {
        id
        name
        address
        city
        country
        contact
        droneCount
      }
    }
  }
`);

const CREATE_SITE = graphql(`
  mutation CreateSite($input: CreateSiteInput!) {
    createSite(input: $input) {
      id
    }
  }
`);

/** Where drones are stationed; the support team adds sites here. */
@Component({
  selector: 'app-sites-page',
  imports: [FormsModule, RouterLink],
  template: `
    <h1>Sites</h1>
    @if (error()) {
      <p class="error" role="alert">{{ error() }}</p>
    }
    <table aria-label="Sites">
      <thead>
        <tr><th>Name</th><th>City</th><th>Country</th><th>Address</th><th>Contact</th><th>Drones</th></tr>
      </thead>
      <tbody>
        @for (site of sites(); track site.id) {
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
    @if (session.canWrite()) {
      <form class="card" (ngSubmit)="create()" aria-labelledby="new-site">
        <h2 id="new-site">Add a site</h2>
        <div class="fields">
          <div class="field"><label for="s-name">Name</label><input id="s-name" name="name" [(ngModel)]="form.name" required /></div>
          <div class="field"><label for="s-city">City</label><input id="s-city" name="city" [(ngModel)]="form.city" required /></div>
          <div class="field">
            <label for="s-country">Country (ISO code, e.g. FR)</label>
            <input id="s-country" name="country" [(ngModel)]="form.country" required maxlength="3" />
          </div>
          <div class="field"><label for="s-address">Address (optional)</label><input id="s-address" name="address" [(ngModel)]="form.address" /></div>
          <div class="field"><label for="s-contact">Contact (optional)</label><input id="s-contact" name="contact" [(ngModel)]="form.contact" /></div>
        </div>
        @if (formError()) {
          <p class="error" role="alert">{{ formError() }}</p>
        }
        <button type="submit" [disabled]="busy()">Add site</button>
      </form>
    }
  `,
  styles: `
    form { margin-top: 1rem; display: flex; flex-direction: column; gap: 0.7rem; }
    h2 { font-size: 1.1rem; margin: 0; }
    .fields { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; }
    button { align-self: flex-start; }
  `,
})
export class SitesPage {
  protected readonly session = inject(SessionService);
  protected readonly sites = signal<SitesQuery['sites']['nodes']>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly formError = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected form = { name: '', city: '', country: '', address: '', contact: '' };
  private readonly apollo = inject(Apollo);
  private readonly query = this.apollo.watchQuery({ query: SITES });

  constructor() {
    this.query.valueChanges.pipe(takeUntilDestroyed()).subscribe((result) => {
      this.loading.set(result.loading);
      if (result.data?.sites) this.sites.set(result.data.sites.nodes as SitesQuery['sites']['nodes']);
      if (result.error) this.error.set(messageOf(result.error));
    });
  }

  protected create(): void {
    const f = this.form;
    this.busy.set(true);
    this.formError.set(null);
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
          this.formError.set(messageOf(error));
        },
      });
  }
}
