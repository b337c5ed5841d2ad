import { Select, Switch, makeStyles, tokens } from '@fluentui/react-components';
import type { PaneLocale } from '../../i18n/define-catalog';
import type { HostTheme } from '../../office/preview/host-port';
import { useText } from '../preview-text';

/** Outlook's display language (the pane restarts in it) and theme (the pane follows it live). */
export interface PreviewSettingsProps {
  locale: PaneLocale;
  theme: HostTheme;
  onLanguage(locale: PaneLocale): void;
  onTheme(theme: HostTheme): void;
}

const LANGUAGES: Record<PaneLocale, string> = { 'en-US': 'English', 'it-IT': 'Italiano' };

const useStyles = makeStyles({
  root: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM },
});

export function PreviewSettings({ locale, theme, onLanguage, onTheme }: PreviewSettingsProps) {
  const styles = useStyles();
  const t = useText();
  return (
    <div className={styles.root}>
      <Select aria-label={t('preview.language')} value={locale} onChange={(_e, data) => onLanguage(data.value as PaneLocale)} data-testid="language">
        {Object.entries(LANGUAGES).map(([value, name]) => (
          <option key={value} value={value}>
            {name}
          </option>
        ))}
      </Select>
      <Switch label={t('preview.theme.dark')} checked={theme === 'dark'} onChange={(_e, data) => onTheme(data.checked ? 'dark' : 'light')} />
    </div>
  );
}
