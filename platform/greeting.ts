/** What a caller hears first, on both paths (Call Control speaks it; TeXML answers with it). */
export function greetingText(firstName: string | undefined, ownerName: string): string {
  return `Hello${firstName ? ` ${firstName}` : ''}, you have reached ${ownerName}. This call is recorded.`;
}
