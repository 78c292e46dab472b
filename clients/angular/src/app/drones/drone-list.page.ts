import { Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, ParamMap, Router, RouterLink } from '@angular/router';
import { Apollo, QueryRef } from 'apollo-angular';

import { SessionService } from '../auth/session.service';
import { graphql } from '../graphql/generated';
import type {
  DroneFilter,
  DroneOrderField,
  DronePageQuery,
  DronePageQueryVariables,
  DroneStatus,
  SortDirection,
} from '../graphql/generated/graphql';
import { coalesced } from '../shared/coalesce';
import { messageOf } from '../shared/errors';
import { StatusLabelPipe } from '../shared/label.pipes';
import { DRONE_STATUSES } from '../shared/labels';
import { SitePicker } from '../shared/pickers/pickers';

const PAGE_SIZE = 20;

const DRONE_PAGE = graphql(`
  query DronePage($first: Int!, $after: String, $filter: DroneFilter, $orderBy: [DroneOrder!]) {
    drones(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...DroneSummary
        }
      }
    }
  }
`);

const DRONE_EVENTS = graphql(`
  subscription DroneListEvents {
    droneEvents {
      kind
      droneId
    }
  }
`);

const ORDERINGS: { value: DroneOrderField; label: string }[] = [
  { value: 'NAME', label: 'Name' },
  { value: 'BRAND', label: 'Brand' },
  { value: 'SERIAL_NUMBER', label: 'Serial number' },
  { value: 'CREATED_AT', label: 'Registered' },
  { value: 'UPDATED_AT', label: 'Last changed' },
  { value: 'STATUS', label: 'Status' },
  { value: 'DUE_BACK_AT', label: 'Due back' },
  { value: 'MAINTENANCE_DUE_AT', label: 'Maintenance due' },
];

/** The list's filters and ordering, as the URL's query parameters carry them. */
interface View {
  q: string;
  brand: string;
  mp: string;
  status: string;
  site: string;
  city: string;
  tags: string;
  overdue: boolean;
  sort: DroneOrderField;
  dir: SortDirection;
}

function viewOf(params: ParamMap): View {
  const sort = params.get('sort') as DroneOrderField | null;
  return {
    q: params.get('q') ?? '',
    brand: params.get('brand') ?? '',
    mp: params.get('mp') ?? '',
    status: params.get('status') ?? '',
    site: params.get('site') ?? '',
    city: params.get('city') ?? '',
    tags: params.get('tags') ?? '',
    overdue: params.get('overdue') === 'true',
    sort: ORDERINGS.some((o) => o.value === sort) ? sort! : 'NAME',
    dir: params.get('dir') === 'DESC' ? 'DESC' : 'ASC',
  };
}

/** The API's filter for a view: only what the user set. */
function filterOf(view: View): DroneFilter | undefined {
  const filter: DroneFilter = {};
  if (view.q.trim()) filter.search = view.q.trim();
  if (view.brand.trim()) filter.brand = { eq: view.brand.trim() };
  const mp = Number.parseFloat(view.mp);
  if (Number.isFinite(mp)) filter.camera = { megapixels: { gte: mp } };
  if (view.status) filter.status = { eq: view.status as DroneStatus };
  if (view.site) filter.site = { name: { eq: view.site } };
  if (view.city.trim()) filter.city = view.city.trim();
  const tags = view.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length) filter.tags = { all: tags };
  if (view.overdue) filter.overdue = true;
  return Object.keys(filter).length ? filter : undefined;
}

type Edge = DronePageQuery['drones']['edges'][number];

/**
 * Every drone, filtered and ordered as the URL says (so a view can be shared), a page of 20 at
 * a time over keyset cursors; pages already seen come from the cache. Changes anyone makes
 * arrive over `droneEvents` and refresh the list without a reload, coalesced.
 */
@Component({
  selector: 'app-drone-list-page',
  imports: [FormsModule, RouterLink, SitePicker, StatusLabelPipe],
  templateUrl: './drone-list.page.html',
  styleUrl: './drone-list.page.css',
})
export class DroneListPage {
  protected readonly session = inject(SessionService);
  protected readonly statuses = DRONE_STATUSES;
  protected readonly orderings = ORDERINGS;
  protected view = viewOf(inject(ActivatedRoute).snapshot.queryParamMap);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly page = signal(0);
  private readonly result = signal<DronePageQuery['drones'] | null>(null);
  protected readonly total = computed(() => this.result()?.totalCount ?? 0);
  protected readonly rows = computed<Edge[]>(() => {
    const edges = this.result()?.edges ?? [];
    return edges.slice(this.page() * PAGE_SIZE, (this.page() + 1) * PAGE_SIZE);
  });
  protected readonly hasNext = computed(() => {
    const loaded = this.result()?.edges.length ?? 0;
    return loaded > (this.page() + 1) * PAGE_SIZE || !!this.result()?.pageInfo.hasNextPage;
  });
  protected readonly pageCount = computed(() => Math.max(1, Math.ceil(this.total() / PAGE_SIZE)));

  private readonly apollo = inject(Apollo);
  private readonly router = inject(Router);
  private readonly query: QueryRef<DronePageQuery, DronePageQueryVariables>;
  /** The variables of the last query, as JSON. */
  private asked: string;

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.asked = JSON.stringify(this.variables());
    this.query = this.apollo.watchQuery({
      query: DRONE_PAGE,
      variables: this.variables(),
      notifyOnNetworkStatusChange: true,
    });
    this.query.valueChanges.pipe(takeUntilDestroyed(destroyRef)).subscribe({
      next: (result) => {
        this.loading.set(result.loading);
        if (result.data?.drones) {
          this.result.set(result.data.drones as DronePageQuery['drones']);
          this.error.set(null);
        }
        if (result.error) this.error.set(messageOf(result.error));
      },
      error: (error: unknown) => {
        this.loading.set(false);
        this.error.set(messageOf(error));
      },
    });
    inject(ActivatedRoute)
      .queryParamMap.pipe(takeUntilDestroyed(destroyRef))
      .subscribe((params) => {
        // The form edits `view` in place: compare with what was last asked, not with it.
        this.view = viewOf(params);
        const variables = this.variables();
        if (JSON.stringify(variables) === this.asked) return;
        this.asked = JSON.stringify(variables);
        this.page.set(0);
        void this.query.refetch(variables);
      });
    // Someone registered, changed or deleted a drone: ask again for what is shown (an update
    // of a drone already on screen also lands in the cache by its id). A bulk registration
    // sends an event per drone: `coalesced` turns a burst into one or two refetches.
    const live = coalesced(() => this.query.refetch(this.variables()));
    destroyRef.onDestroy(() => live.cancel());
    this.apollo
      .subscribe({ query: DRONE_EVENTS })
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe({ next: () => live.poke() });
  }

  private variables(): DronePageQueryVariables {
    return {
      first: PAGE_SIZE,
      filter: filterOf(this.view),
      orderBy: [{ field: this.view.sort, direction: this.view.dir }],
    };
  }

  /** Puts the form's view in the URL; the URL's change runs the query. */
  protected apply(): void {
    const v = this.view;
    void this.router.navigate([], {
      queryParams: {
        q: v.q || null,
        brand: v.brand || null,
        mp: v.mp || null,
        status: v.status || null,
        site: v.site || null,
        city: v.city || null,
        tags: v.tags || null,
        overdue: v.overdue ? 'true' : null,
        sort: v.sort === 'NAME' ? null : v.sort,
        dir: v.dir === 'ASC' ? null : v.dir,
      },
    });
  }

  protected clear(): void {
    void this.router.navigate([], { queryParams: {} });
  }

  protected sortBy(field: DroneOrderField): void {
    this.view = {
      ...this.view,
      sort: field,
      dir: this.view.sort === field && this.view.dir === 'ASC' ? 'DESC' : 'ASC',
    };
    this.apply();
  }

  protected ariaSort(field: DroneOrderField): 'ascending' | 'descending' | 'none' {
    if (this.view.sort !== field) return 'none';
    return this.view.dir === 'ASC' ? 'ascending' : 'descending';
  }

  protected arrow(field: DroneOrderField): string {
    if (this.view.sort !== field) return '';
    return this.view.dir === 'ASC' ? ' ▲' : ' ▼';
  }

  protected next(): void {
    const loaded = this.result()?.edges.length ?? 0;
    const wanted = (this.page() + 2) * PAGE_SIZE;
    if (loaded < wanted && this.result()?.pageInfo.hasNextPage) {
      void this.query
        .fetchMore({ variables: { after: this.result()!.pageInfo.endCursor } })
        .then(() => this.page.update((p) => p + 1));
    } else {
      this.page.update((p) => p + 1);
    }
  }

  protected previous(): void {
    this.page.update((p) => Math.max(0, p - 1));
  }
}
