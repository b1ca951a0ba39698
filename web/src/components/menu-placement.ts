/** Where a menu opened from a button goes so that it stays inside the viewport. */

export interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface Placement {
  top: number;
  left: number;
  /** Set when neither side has room for the whole menu: it scrolls within this height. */
  maxHeight?: number;
}

const GAP = 4;

/**
 * Below the button, right edges aligned; flipped up when it would pass the bottom (the last row
 * of a table), and to the button's left edge when it would pass the left side (a narrow phone).
 * When neither side has room, the roomier one with the menu scrolling; never over its button.
 */
export function placeMenu(button: Box, menu: { width: number; height: number }, viewport: { width: number; height: number }, margin = 8): Placement {
  const roomBelow = viewport.height - margin - (button.bottom + GAP);
  const roomAbove = button.top - GAP - margin;
  let left = button.right - menu.width;
  if (left < margin) left = button.left;
  left = Math.max(margin, Math.min(left, viewport.width - margin - menu.width));
  if (menu.height <= roomBelow) return { top: button.bottom + GAP, left };
  if (menu.height <= roomAbove) return { top: button.top - GAP - menu.height, left };
  if (roomBelow >= roomAbove) return { top: button.bottom + GAP, left, maxHeight: Math.max(0, roomBelow) };
  return { top: margin, left, maxHeight: Math.max(0, roomAbove) };
}
