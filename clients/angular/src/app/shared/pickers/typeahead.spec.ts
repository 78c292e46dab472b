import { TestBed } from '@angular/core/testing';
import { of } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';

import { type Choices, Typeahead } from './typeahead';

interface Site {
  id: string;
  name: string;
}

const SITES: Site[] = [
  { id: '1', name: 'Berlin Lab' },
  { id: '2', name: 'Lyon Depot' },
  { id: '3', name: 'Lyon Hangar' },
];

/** A typeahead over SITES that answers like the API: the first `first` matches and how many. */
function setUp(first = 2) {
  const search = vi.fn(
    (text: string) =>
      of<Choices<Site>>({
        items: SITES.filter((s) => s.name.toLowerCase().includes(text.toLowerCase())).slice(0, first),
        total: SITES.filter((s) => s.name.toLowerCase().includes(text.toLowerCase())).length,
      }),
  );
  const fixture = TestBed.createComponent(Typeahead<Site>);
  fixture.componentRef.setInput('inputId', 'site');
  fixture.componentRef.setInput('search', search);
  fixture.componentRef.setInput('keyOf', (s: Site) => s.id);
  fixture.componentRef.setInput('labelOf', (s: Site) => s.name);
  fixture.detectChanges();
  const host: HTMLElement = fixture.nativeElement;
  const input = host.querySelector('input')!;
  const type = async (text: string) => {
    input.value = text;
    input.dispatchEvent(new Event('input'));
    // Past the debounce.
    await new Promise((resolve) => setTimeout(resolve, 200));
    fixture.detectChanges();
  };
  const key = (key: string) => {
    input.dispatchEvent(new KeyboardEvent('keydown', { key, cancelable: true }));
    fixture.detectChanges();
  };
  const options = () => [...host.querySelectorAll('[role="option"]')].map((o) => o.textContent!.trim());
  const notes = () => [...host.querySelectorAll('li.note')].map((o) => o.textContent!.trim());
  return { fixture, search, input, type, key, options, notes };
}

describe('Typeahead', () => {
  it('asks the server for what is typed, and says when it shows only some', async () => {
    const { search, type, options, notes, input } = setUp();
    await type('l');
    expect(search).toHaveBeenLastCalledWith('l');
    expect(options()).toEqual(['Berlin Lab', 'Lyon Depot']);
    expect(notes()).toEqual(['2 of 3 shown: type more to narrow']);
    expect(input.getAttribute('aria-expanded')).toBe('true');
  });

  it('picks with the arrow keys and Enter: the value is the key, the box shows the label', async () => {
    const { fixture, type, key, input, options } = setUp();
    await type('lyon');
    expect(options()).toEqual(['Lyon Depot', 'Lyon Hangar']);
    key('ArrowDown');
    key('Enter');
    expect(fixture.componentInstance.value()).toBe('3');
    expect(input.value).toBe('Lyon Hangar');
    expect(input.getAttribute('aria-expanded')).toBe('false');
  });

  it('takes a name typed in full on blur, and reverts other text to what was picked', async () => {
    const { fixture, type, input } = setUp();
    await type('berlin lab');
    input.dispatchEvent(new Event('blur'));
    fixture.detectChanges();
    expect(fixture.componentInstance.value()).toBe('1');
    expect(input.value).toBe('Berlin Lab');
    await type('nowhere');
    input.dispatchEvent(new Event('blur'));
    fixture.detectChanges();
    expect(fixture.componentInstance.value()).toBe('1');
    expect(input.value).toBe('Berlin Lab');
  });

  it('shows no stale suggestion while a new text is being asked', async () => {
    const { fixture, type, input, options, notes } = setUp();
    await type('lyon');
    input.value = 'berlin';
    input.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    expect(options()).toEqual([]);
    expect(notes()).toEqual(['Searching…']);
  });
});
