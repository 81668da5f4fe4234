// The code blocks of the README, for the tests that check its examples.

/** The code blocks of a Markdown text fenced with the given language. */
export function codeBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);
}
