import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { render, type RenderResult } from '@testing-library/react';
import { createElement, type ReactElement } from 'react';
import { fillJsdomGaps } from './dom';

/** Renders inside Fluent's provider, as the pane does (with jsdom's gaps filled: see fillJsdomGaps). */
export function renderInFluent(element: ReactElement): RenderResult {
  fillJsdomGaps();
  return render(createElement(FluentProvider, { theme: webLightTheme }, element));
}
