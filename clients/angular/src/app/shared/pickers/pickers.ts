// The pickers for what the API lists a page at a time (sites, camera models, people): each a
// typeahead over a server-side filter, so a fleet with 5,000 sites is searched, not cut at a
// first page. Suggestions are fetched with `no-cache`: they are a passing glance, and kept out
// of the cache they cannot stand in for a page's own list of the same connection.
import { Component, inject, input, model, output } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { map, type Observable } from 'rxjs';

import { graphql } from '../../graphql/generated';
import type {
  CameraSummaryFragment,
  PersonFragment,
  SiteSummaryFragment,
} from '../../graphql/generated/graphql';
import { type Choices, Typeahead } from './typeahead';

/** Suggestions per search: enough to pick from, few enough to read. */
const SUGGESTIONS = 10;

const SITE_CHOICES = graphql(`
  query SiteChoices($first: Int!, $filter: SiteFilter) {
    sites(first: $first, filter: $filter, orderBy: [{ field: NAME }]) {
      totalCount
      nodes {
        ...SiteSummary
      }
    }
  }
`);

const CAMERA_CHOICES = graphql(`
  query CameraChoices($first: Int!, $filter: CameraFilter) {
    cameras(first: $first, filter: $filter, orderBy: [{ field: MODEL }]) {
      totalCount
      nodes {
        ...CameraSummary
      }
    }
  }
`);

const PERSON_CHOICES = graphql(`
  query PersonChoices($first: Int!, $filter: UserFilter) {
    users(first: $first, filter: $filter, orderBy: [{ field: USERNAME }]) {
      totalCount
      nodes {
        ...Person
      }
    }
  }
`);

/** A site by name or city. `key`: what `value` holds, the site's name (the API's inputs
 * and filters take names) or its id. */
@Component({
  selector: 'app-site-picker',
  imports: [Typeahead],
  template: `<app-typeahead
    [inputId]="inputId()"
    [search]="search"
    [keyOf]="keyOf"
    [labelOf]="labelOf"
    [detailOf]="detailOf"
    [placeholder]="placeholder()"
    [invalid]="invalid()"
    [describedBy]="describedBy()"
    [(value)]="value"
    (picked)="picked.emit($event)"
  />`,
})
export class SitePicker {
  readonly inputId = input.required<string>();
  readonly key = input<'name' | 'id'>('name');
  readonly placeholder = input('Type a site or a city');
  readonly invalid = input(false);
  readonly describedBy = input<string | null>(null);
  readonly value = model('');
  readonly picked = output<SiteSummaryFragment>();
  private readonly apollo = inject(Apollo);

  protected readonly keyOf = (site: SiteSummaryFragment) => (this.key() === 'id' ? site.id : site.name);
  protected readonly labelOf = (site: SiteSummaryFragment) => site.name;
  protected readonly detailOf = (site: SiteSummaryFragment) => site.city;
  protected readonly search = (text: string): Observable<Choices<SiteSummaryFragment>> =>
    this.apollo
      .query({
        query: SITE_CHOICES,
        variables: {
          first: SUGGESTIONS,
          filter: text ? { or: [{ name: { contains: text } }, { city: { contains: text } }] } : null,
        },
        fetchPolicy: 'no-cache',
      })
      .pipe(map((r) => ({ items: r.data?.sites.nodes ?? [], total: r.data?.sites.totalCount ?? 0 })));
}

/** A camera model by model or brand; picked models are collected by the page (`picked`). */
@Component({
  selector: 'app-camera-picker',
  imports: [Typeahead],
  template: `<app-typeahead
    [inputId]="inputId()"
    [search]="search"
    [keyOf]="keyOf"
    [labelOf]="labelOf"
    [detailOf]="detailOf"
    [placeholder]="placeholder()"
    [invalid]="invalid()"
    [describedBy]="describedBy()"
    [clearOnPick]="true"
    (picked)="picked.emit($event)"
  />`,
})
export class CameraPicker {
  readonly inputId = input.required<string>();
  readonly placeholder = input('Type a model or a brand');
  readonly invalid = input(false);
  readonly describedBy = input<string | null>(null);
  readonly picked = output<CameraSummaryFragment>();
  private readonly apollo = inject(Apollo);

  protected readonly keyOf = (camera: CameraSummaryFragment) => camera.id;
  protected readonly labelOf = (camera: CameraSummaryFragment) => camera.model;
  protected readonly detailOf = (camera: CameraSummaryFragment) => `${camera.megapixels} MP`;
  protected readonly search = (text: string): Observable<Choices<CameraSummaryFragment>> =>
    this.apollo
      .query({
        query: CAMERA_CHOICES,
        variables: {
          first: SUGGESTIONS,
          filter: text ? { or: [{ model: { contains: text } }, { brand: { contains: text } }] } : null,
        },
        fetchPolicy: 'no-cache',
      })
      .pipe(map((r) => ({ items: r.data?.cameras.nodes ?? [], total: r.data?.cameras.totalCount ?? 0 })));
}

/** A person by username; `value` is the user's id. SUPPORT only (the API lists users to them). */
@Component({
  selector: 'app-person-picker',
  imports: [Typeahead],
  template: `<app-typeahead
    [inputId]="inputId()"
    [search]="search"
    [keyOf]="keyOf"
    [labelOf]="labelOf"
    [placeholder]="placeholder()"
    [invalid]="invalid()"
    [describedBy]="describedBy()"
    [(value)]="value"
  />`,
})
export class PersonPicker {
  readonly inputId = input.required<string>();
  readonly placeholder = input('Type a username');
  readonly invalid = input(false);
  readonly describedBy = input<string | null>(null);
  readonly value = model('');
  private readonly apollo = inject(Apollo);

  protected readonly keyOf = (person: PersonFragment) => person.id;
  protected readonly labelOf = (person: PersonFragment) => person.username;
  protected readonly search = (text: string): Observable<Choices<PersonFragment>> =>
    this.apollo
      .query({
        query: PERSON_CHOICES,
        variables: { first: SUGGESTIONS, filter: text ? { username: { contains: text } } : null },
        fetchPolicy: 'no-cache',
      })
      .pipe(map((r) => ({ items: r.data?.users.nodes ?? [], total: r.data?.users.totalCount ?? 0 })));
}
