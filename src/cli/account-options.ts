/** A password an operator sets from the command line: 10+ characters, as signup requires. */
export function checkPassword(v: string): string {
  if (v.length < 10) throw new Error('--password must be at least 10 characters');
  return v;
}
