/**
 * Error messages quote what users' files hold (a JSON parser's snippet of a binary config.json, a field
 * name, a model's text). Printed raw, control characters in them reach the terminal: ANSI escapes can
 * recolour, retitle or rewrite the screen, and bidi overrides reorder what is shown. They are written as
 * visible escapes instead; line breaks and tabs stay.
 */
// C0 controls but tab and line feed, DEL, C1 controls, and the bidi embedding/override/isolate characters.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (character) => {
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
