/** The input field a server message is about (Hangar's messages name the field first, or
 * speak of it in words), so a form can show the message beside that field. */
const FIELDS: [RegExp, string][] = [
  [/^serialNumber\b|serial number/i, 'serialNumber'],
  [/^name\b/i, 'name'],
  [/^brand\b/i, 'brand'],
  [/camera model|^cameraModels\b/i, 'cameraModels'],
  [/^site\b|unknown site/i, 'site'],
  [/^tags?\b/i, 'tags'],
  [/^maintenanceIntervalDays\b/i, 'maintenanceIntervalDays'],
];

export function fieldOf(message: string): string | null {
  return FIELDS.find(([pattern]) => pattern.test(message))?.[1] ?? null;
}
