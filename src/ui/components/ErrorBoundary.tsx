import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** Shown in the message, e.g. "the Data panel". */
  where: string;
  children: ReactNode;
}
interface State {
  error: Error | null;
}

/** Turns a render error into a readable box with a retry button instead of a blank page. */
export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`[higr] render error in ${this.props.where}:`, error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="error-box" role="alert" data-testid="render-error">
        <h2>Something broke while rendering {this.props.where}.</h2>
        <p className="error-message">{error.message || String(error)}</p>
        {error.stack && (
          <details>
            <summary>stack</summary>
            <pre>{error.stack}</pre>
          </details>
        )}
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
