/** Command lines in messages, quoted so that they can be pasted into a POSIX shell as they are. */

/** `words` as one shell command line: a word with anything but safe characters is single-quoted. */
export function shellWords(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** `rlvr NAME` with the parsed flags `values` (as the user gave them) and `extra` words after them. */
export function commandLine(
  name: string,
  values: Readonly<Record<string, string | boolean | undefined>>,
  extra: readonly string[] = [],
): string {
  const words = Object.entries(values).flatMap(([flag, value]) =>
    value === undefined || value === false ? [] : value === true ? [`--${flag}`] : [`--${flag}`, value],
  );
  return `rlvr ${name} ${shellWords([...words, ...extra])}`.trimEnd();
}
