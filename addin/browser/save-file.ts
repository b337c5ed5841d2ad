/**
 * Saves a downloaded file: an object URL on an <a download>, clicked, then revoked. The download goes through
 * fetch (with the bearer token) rather than a plain link, since the API wants the token in a header.
 */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Later, not at once: some engines start the download after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
