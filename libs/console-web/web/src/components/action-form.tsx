import type { ReactNode } from 'react';

/** A form that runs `onSubmit` in the page instead of loading another (the button or Enter submits it). */
export function ActionForm({ onSubmit, children }: { onSubmit: () => unknown; children: ReactNode }) {
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void onSubmit();
      }}
    >
      {children}
    </form>
  );
}
