/**
 * First page of the consent dialog (dialog-start.html#to=<authorize URL>). Office only opens dialogs on the
 * add-in's own origin; this page then forwards to the identity provider. It refuses any target that is not on
 * the identity provider's origin (from GET /api/auth/config), so it cannot serve as an open redirect.
 */
async function forward(): Promise<void> {
  const message = document.getElementById('message') as HTMLElement;
  const to = new URLSearchParams(window.location.hash.slice(1)).get('to') ?? '';
  try {
    const target = new URL(to);
    const response = await fetch('/api/auth/config', { headers: { Accept: 'application/json' } });
    const config = (await response.json()) as { authority?: string };
    if (!config.authority || target.protocol !== 'https:' || target.origin !== new URL(config.authority).origin) {
      message.textContent = 'This sign-in link does not go to your organization’s sign-in page, so Relaydesk will not open it.';
      return;
    }
    window.location.replace(target.href);
  } catch {
    message.textContent = 'This sign-in link is not valid. Close this window and start again from Relaydesk.';
  }
}

void forward();
