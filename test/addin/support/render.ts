import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { configure, render, type RenderResult } from '@testing-library/react';
import { createElement, type ReactElement, type ReactNode } from 'react';
import type { PaneLocale } from '../../../addin/i18n/define-catalog';
import { fillJsdomGaps } from './dom';
import { loadAddin } from './load-addin';

// findBy/waitFor give up after 1 s by default: a machine busy with the browser suites can take longer to
// render a tab the first time. A wait still ends as soon as its condition holds.
configure({ asyncUtilTimeout: 5_000 });

const { PaneIntl } = loadAddin<{ PaneIntl: (props: { locale: PaneLocale; children: ReactNode }) => ReactElement }>('i18n/PaneIntl');

/** Renders inside the pane's providers, as addin/index.tsx does: messages in `locale` (default en-US), then Fluent (with jsdom's gaps filled: see fillJsdomGaps). */
export function renderInFluent(element: ReactElement, locale: PaneLocale = 'en-US'): RenderResult {
  fillJsdomGaps();
  const children: ReactNode = createElement(FluentProvider, { theme: webLightTheme }, element);
  return render(createElement(PaneIntl, { locale, children }));
}
