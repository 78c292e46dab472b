import { Component, DestroyRef, ElementRef, inject, signal, viewChild } from '@angular/core';
import { Apollo } from 'apollo-angular';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { firstValueFrom } from 'rxjs';

import { graphql } from '../graphql/generated';
import type { DroneStatus } from '../graphql/generated/graphql';
import { messageOf } from '../shared/errors';
import { DRONE_STATUSES } from '../shared/labels';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const FLEET = graphql(`
  query FleetStats {
    droneStats {
      total
      overdue
      maintenanceDue
      byStatus {
        status
        count
      }
      byBrand {
        brand
        count
      }
      bySite {
        site {
          id
          name
        }
        count
      }
    }
  }
`);

const AT_SITE = graphql(`
  query SiteStats($filter: DroneFilter) {
    droneStats(filter: $filter) {
      byStatus {
        status
        count
      }
    }
  }
`);

/** The most sites the chart shows side by side (the largest; the rest are summed in the table only). */
const MAX_SITES = 10;

const COLOURS: Record<DroneStatus, string> = {
  AVAILABLE: '#2e7d32',
  CHECKED_OUT: '#1565c0',
  MAINTENANCE: '#ef6c00',
  LOST: '#c62828',
  RETIRED: '#78909c',
};

interface SiteRow {
  name: string;
  counts: Record<DroneStatus, number>;
  total: number;
}

/** The fleet at a glance, from `droneStats`: how many, in which state, where. */
@Component({
  selector: 'app-dashboard-page',
  templateUrl: './dashboard.page.html',
  styleUrl: './dashboard.page.css',
})
export class DashboardPage {
  protected readonly statuses = DRONE_STATUSES;
  protected readonly totals = signal<{ total: number; overdue: number; maintenanceDue: number } | null>(null);
  protected readonly sites = signal<SiteRow[]>([]);
  protected readonly brands = signal<{ brand: string; count: number }[]>([]);
  protected readonly error = signal<string | null>(null);
  private readonly canvas = viewChild<ElementRef<HTMLCanvasElement>>('bySite');
  private readonly apollo = inject(Apollo);
  private chart: Chart | null = null;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.chart?.destroy());
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const { data } = await firstValueFrom(this.apollo.query({ query: FLEET, fetchPolicy: 'network-only' }));
      const stats = data!.droneStats;
      this.totals.set({ total: stats.total, overdue: stats.overdue, maintenanceDue: stats.maintenanceDue });
      this.brands.set([...stats.byBrand].sort((a, b) => b.count - a.count));
      const largest = [...stats.bySite].sort((a, b) => b.count - a.count).slice(0, MAX_SITES);
      // One small statement per site: droneStats filtered to it.
      const rows = await Promise.all(
        largest.map(async ({ site, count }) => {
          const filter = site ? { site: { name: { eq: site.name } } } : { not: { site: { name: { startsWith: '' } } } };
          const { data: one } = await firstValueFrom(
            this.apollo.query({ query: AT_SITE, variables: { filter }, fetchPolicy: 'network-only' }),
          );
          const counts = Object.fromEntries(DRONE_STATUSES.map((s) => [s.value, 0])) as Record<DroneStatus, number>;
          for (const { status, count: n } of one!.droneStats.byStatus) counts[status] = n;
          return { name: site?.name ?? 'Not stationed', counts, total: count };
        }),
      );
      this.sites.set(rows);
      this.draw(rows);
    } catch (error) {
      this.error.set(messageOf(error));
    }
  }

  private draw(rows: SiteRow[]): void {
    const canvas = this.canvas()?.nativeElement;
    if (!canvas) return;
    this.chart?.destroy();
    this.chart = new Chart(canvas, {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.name),
        datasets: DRONE_STATUSES.map((s) => ({
          label: s.label,
          data: rows.map((r) => r.counts[s.value]),
          backgroundColor: COLOURS[s.value],
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }
}
