import { Button, Field, Tab, TabList, Text, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { Person, TicketStatus } from '../../api/types';
import type { ComposerMode } from '../../state/drafts';
import { personText } from '../TicketCard';

/**
 * Writing a public reply (to the requester and CCs) or an internal note (agents; followers are notified).
 * The text is the workspace's draft, stored on every keystroke; a separate chunk, as most visits only read.
 */
export interface ComposerProps {
  mode: ComposerMode;
  text: string;
  requester: Person;
  ccs: Person[];
  followers: Person[];
  /** A send of this ticket is on its way (buttons wait for it). */
  busy: boolean;
  onMode(mode: ComposerMode): void;
  onText(text: string): void;
  onSend(status?: TicketStatus): void;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  recipients: { color: tokens.colorNeutralForeground3, overflowWrap: 'anywhere' },
  note: { backgroundColor: tokens.colorPaletteYellowBackground1 },
  buttons: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
});

export default function Composer({ mode, text, requester, ccs, followers, busy, onMode, onText, onSend }: ComposerProps) {
  const styles = useStyles();
  const intl = useIntl();
  const t = (id: string, values?: Record<string, string>) => intl.formatMessage({ id }, values);
  const recipients =
    mode === 'reply'
      ? ccs.length > 0
        ? t('composer.toAndCc', { to: personText(requester), cc: ccs.map(personText).join(', ') })
        : t('composer.to', { to: personText(requester) })
      : followers.length > 0
        ? t('composer.followers', { followers: followers.map(personText).join(', ') })
        : t('composer.noFollowers');
  const empty = !text.trim();
  return (
    <section className={styles.root} aria-labelledby="composer-title" data-testid="composer" data-mode={mode}>
      <Text as="h3" id="composer-title" size={300} weight="semibold">
        {t('composer.title')}
      </Text>
      <TabList size="small" selectedValue={mode} onTabSelect={(_, d) => onMode(d.value as ComposerMode)} aria-label={t('composer.modes')}>
        <Tab value="reply" data-testid="composer-mode-reply">
          {t('composer.reply')}
        </Tab>
        <Tab value="note" data-testid="composer-mode-note">
          {t('composer.note')}
        </Tab>
      </TabList>
      <Text size={200} className={styles.recipients} data-testid="composer-recipients">
        {recipients}
      </Text>
      <Field label={t(mode === 'reply' ? 'composer.replyLabel' : 'composer.noteLabel')} hint={t('composer.draftKept')}>
        <Textarea
          resize="vertical"
          rows={5}
          value={text}
          onChange={(_, d) => onText(d.value)}
          textarea={{ className: mode === 'note' ? styles.note : undefined }}
          data-testid="composer-body"
        />
      </Field>
      <div className={styles.buttons}>
        <Button appearance="primary" disabled={empty || busy} onClick={() => onSend()} data-testid="composer-send">
          {t('composer.send')}
        </Button>
        <Button disabled={empty || busy} onClick={() => onSend('pending')} data-testid="composer-send-pending">
          {t('composer.sendPending')}
        </Button>
        <Button disabled={empty || busy} onClick={() => onSend('solved')} data-testid="composer-send-solved">
          {t('composer.sendSolved')}
        </Button>
      </div>
    </section>
  );
}
