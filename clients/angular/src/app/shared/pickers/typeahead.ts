import {
  Component,
  computed,
  DestroyRef,
  inject,
  input,
  linkedSignal,
  model,
  output,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Observable, Subject, catchError, debounceTime, map, of, switchMap, tap } from 'rxjs';

import { messageOf } from '../errors';

/** One page of suggestions, and how many the server has for the text. */
export interface Choices<T> {
  items: readonly T[];
  total: number;
}

/** For unique listbox ids when a page has several pickers. */
let pickers = 0;

/**
 * A search-as-you-type picker (WAI-ARIA combobox with a listbox): every pause in typing asks
 * the server for the first few matches (`search`), and the list says when there are more than
 * it shows, so nothing is silently left out. Arrow keys move, Enter or a click picks, Escape
 * closes; text left unpicked reverts to the picked value when the box loses focus.
 *
 * `value` is the picked item's key (`keyOf`: a site's name or id, a user's id); '' for none.
 * A value set from outside shows as its own text until an item is picked, which suits
 * name-keyed values (a site name from the URL); id-keyed ones are only ever cleared from outside.
 */
@Component({
  selector: 'app-typeahead',
  template: `
    <div class="typeahead">
      <input
        type="text"
        role="combobox"
        autocomplete="off"
        aria-autocomplete="list"
        [id]="inputId()"
        [attr.aria-expanded]="open()"
        [attr.aria-controls]="listId"
        [attr.aria-activedescendant]="open() && active() >= 0 ? listId + '-' + active() : null"
        [attr.aria-invalid]="invalid() || null"
        [attr.aria-describedby]="describedBy() || null"
        [placeholder]="placeholder()"
        [value]="text()"
        (input)="typed($any($event.target).value)"
        (focus)="focused()"
        (blur)="blurred()"
        (keydown)="key($event)"
      />
      @if (open()) {
        <ul role="listbox" [id]="listId">
          @for (item of choices().items; track keyOf()(item); let i = $index) {
            <li
              role="option"
              [id]="listId + '-' + i"
              [attr.aria-selected]="i === active()"
              [class.active]="i === active()"
              (mousedown)="$event.preventDefault()"
              (click)="pick(item)"
            >
              {{ labelOf()(item) }}
              @if (detailOf(); as detail) {
                <span class="muted">{{ detail(item) }}</span>
              }
            </li>
          } @empty {
            <li class="note" aria-live="polite">{{ searching() ? 'Searching…' : problem() || 'Nothing matches.' }}</li>
          }
          @if (choices().total > choices().items.length) {
            <li class="note" aria-live="polite">
              {{ choices().items.length }} of {{ choices().total }} shown: type more to narrow
            </li>
          }
        </ul>
      }
    </div>
  `,
  styles: `
    .typeahead { position: relative; }
    input { width: 100%; box-sizing: border-box; }
    ul {
      position: absolute; z-index: 10; left: 0; right: 0; min-width: 14rem; max-height: 16rem;
      overflow-y: auto; margin: 2px 0 0; padding: 0.2rem 0; list-style: none; background: white;
      border: 1px solid var(--line); border-radius: 6px; box-shadow: 0 4px 12px rgb(0 0 0 / 12%);
    }
    li { padding: 0.3rem 0.6rem; font-size: 0.9rem; }
    li[role='option'] { cursor: pointer; }
    li.active, li[role='option']:hover { background: #e4ecfb; }
    li .muted { margin-left: 0.3rem; }
    li.note { color: var(--muted); font-size: 0.8rem; }
  `,
})
export class Typeahead<T> {
  /** The input's id, for the page's `<label for>`. */
  readonly inputId = input.required<string>();
  /** The first few items matching a text (an empty text: the first few of all). */
  readonly search = input.required<(text: string) => Observable<Choices<T>>>();
  readonly keyOf = input.required<(item: T) => string>();
  readonly labelOf = input.required<(item: T) => string>();
  /** A muted second part of each suggestion (a site's city, a camera's megapixels). */
  readonly detailOf = input<(item: T) => string>();
  readonly placeholder = input('');
  readonly invalid = input(false);
  readonly describedBy = input<string | null>(null);
  /** For pickers that collect several values: the box empties after each pick. */
  readonly clearOnPick = input(false);
  readonly value = model('');
  readonly picked = output<T>();

  protected readonly listId = `typeahead-${++pickers}`;
  protected readonly open = signal(false);
  protected readonly active = signal(-1);
  protected readonly searching = signal(false);
  protected readonly problem = signal<string | null>(null);
  protected readonly choices = signal<Choices<T>>({ items: [], total: 0 });
  private pickedItem: T | null = null;
  /** What the box shows: the picked item's label, or a value set from outside, or what is typed. */
  protected readonly text = linkedSignal(() => this.shown());
  private readonly asked = computed(() => this.text().trim());
  private readonly queries = new Subject<string>();
  /** The text the shown suggestions are for (null: none asked yet). */
  private answeredFor: string | null = null;

  constructor() {
    this.queries
      .pipe(
        debounceTime(150),
        tap(() => this.searching.set(true)),
        switchMap((text) =>
          this.search()(text).pipe(
            map((choices) => ({ text, choices, problem: null as string | null })),
            catchError((error: unknown) =>
              of({ text, choices: { items: [], total: 0 } as Choices<T>, problem: messageOf(error) }),
            ),
          ),
        ),
        takeUntilDestroyed(inject(DestroyRef)),
      )
      .subscribe(({ text, choices, problem }) => {
        this.searching.set(false);
        this.answeredFor = text;
        this.problem.set(problem);
        this.choices.set(choices);
        this.active.set(choices.items.length ? 0 : -1);
      });
  }

  protected typed(text: string): void {
    this.text.set(text);
    this.open.set(true);
    // The suggestions shown were for another text: none until this one's answer, so that a
    // quick Enter or click cannot pick a stale one.
    this.choices.set({ items: [], total: 0 });
    this.active.set(-1);
    this.answeredFor = null;
    this.searching.set(true);
    this.queries.next(text.trim());
  }

  protected focused(): void {
    this.open.set(true);
    // Already picked: offer everything, not just the picked one.
    const text = this.value() ? '' : this.asked();
    if (this.answeredFor !== text) this.queries.next(text);
  }

  protected blurred(): void {
    this.open.set(false);
    const text = this.asked();
    if (!text) {
      if (this.value()) this.value.set('');
      return;
    }
    // Typed in full without picking: take the suggestion it names.
    const exact = this.choices().items.find(
      (item) => this.labelOf()(item).toLowerCase() === text.toLowerCase(),
    );
    if (exact && this.answeredFor === text) {
      this.pick(exact);
      return;
    }
    // Anything else reverts to what was picked.
    this.text.set(this.shown());
  }

  protected key(event: KeyboardEvent): void {
    const items = this.choices().items;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        event.preventDefault();
        if (!this.open()) return this.focused();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        if (items.length) this.active.set((this.active() + step + items.length) % items.length);
        return;
      }
      case 'Enter':
        // Open with a suggestion marked: Enter picks it rather than submitting the form.
        if (this.open() && items[this.active()]) {
          event.preventDefault();
          this.pick(items[this.active()]);
        }
        return;
      case 'Escape':
        if (this.open()) {
          event.preventDefault();
          this.open.set(false);
        }
        return;
    }
  }

  protected pick(item: T): void {
    this.open.set(false);
    this.picked.emit(item);
    if (this.clearOnPick()) {
      this.pickedItem = null;
      this.text.set('');
      this.answeredFor = null;
      return;
    }
    this.pickedItem = item;
    const key = this.keyOf()(item);
    if (this.value() === key) this.text.set(this.labelOf()(item));
    else this.value.set(key);
  }

  private shown(): string {
    const item = this.pickedItem;
    const value = this.value();
    return item && this.keyOf()(item) === value ? this.labelOf()(item) : value;
  }
}
