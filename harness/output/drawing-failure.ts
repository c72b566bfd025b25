// What is drawn of a run (the live view, the table) comes after what is measured and never costs it:
// a drawing that fails is caught here, told in one line, and the run and its result go on.

/** An error in one line: `RangeError: Maximum call stack size exceeded`. */
export const errorLine = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).split('\n')[0]!;

/** What made `draw` throw, in one line, or null when it drew. */
export function drawingFailure(draw: () => void): string | null {
  try {
    draw();
    return null;
  } catch (error) {
    return errorLine(error);
  }
}
